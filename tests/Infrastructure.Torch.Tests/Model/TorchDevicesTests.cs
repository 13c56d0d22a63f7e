using AlexNet.Experiments.Infrastructure.Torch.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace AlexNet.Experiments.Infrastructure.Torch.Tests.Model;

public sealed class TorchDevicesTests
{
    [Theory]
    [InlineData("cpu", DeviceType.CPU, -1)]
    [InlineData(" CPU ", DeviceType.CPU, -1)]
    [InlineData("cuda", DeviceType.CUDA, 0)]
    [InlineData("cuda:1", DeviceType.CUDA, 1)]
    public void Parses_device_names(string name, DeviceType type, int index)
    {
        var device = TorchDevices.Parse(name);
        device.type.ShouldBe(type);
        device.index.ShouldBe(index);
    }

    [Theory]
    [InlineData("")]
    [InlineData("gpu")]
    [InlineData("cuda:")]
    [InlineData("cuda:-1")]
    [InlineData("cuda:x")]
    public void Rejects_unknown_names(string name)
    {
        Should.Throw<ArgumentException>(() => TorchDevices.Parse(name));
    }

    [Fact]
    public void Lists_the_cpu_first_and_every_visible_gpu()
    {
        var devices = TorchDevices.Available();
        devices[0].ShouldBe("cpu");
        devices.Count.ShouldBe(1 + (cuda.is_available() ? cuda.device_count() : 0));
    }
}
