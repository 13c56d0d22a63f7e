using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Infrastructure.Torch.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace AlexNet.Experiments.Infrastructure.Torch.Tests.Model;

public sealed class TorchDevicesTests
{
    [Theory]
    [InlineData("cpu", DeviceType.CPU, -1)]
    [InlineData("cuda:0", DeviceType.CUDA, 0)]
    [InlineData("cuda:1", DeviceType.CUDA, 1)]
    public void Translates_device_names_to_torch_devices(string name, DeviceType type, int index)
    {
        var device = TorchDevices.ToTorch(ComputeDevice.Parse(name));
        device.type.ShouldBe(type);
        device.index.ShouldBe(index);
    }

    [Fact]
    public void Lists_the_cpu_first_and_every_visible_gpu()
    {
        var devices = TorchDevices.Available();
        devices[0].ShouldBe("cpu");
        devices.Count.ShouldBe(1 + (cuda.is_available() ? cuda.device_count() : 0));
    }
}
