using AlexNet.Experiments.Domain.Experiments;

namespace AlexNet.Experiments.Domain.Tests;

public sealed class ComputeDeviceTests
{
    [Theory]
    [InlineData("cpu", DeviceKind.Cpu, 0)]
    [InlineData("cuda:0", DeviceKind.Cuda, 0)]
    [InlineData("cuda:13", DeviceKind.Cuda, 13)]
    public void Parses_the_names_hyperparameters_use_and_writes_them_back(string name, DeviceKind kind, int index)
    {
        ComputeDevice.TryParse(name, out var device).ShouldBeTrue();
        device.ShouldBe(new ComputeDevice(kind, index));
        device.ToString().ShouldBe(name);
        ComputeDevice.Parse(name).ShouldBe(device);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" cpu")]
    [InlineData("CPU")]
    [InlineData("gpu")]
    [InlineData("cuda")]
    [InlineData("cuda:")]
    [InlineData("cuda:-1")]
    [InlineData("cuda:+1")]
    [InlineData("cuda:x")]
    [InlineData("cuda:99999999999")]
    public void Refuses_every_other_name(string? name)
    {
        ComputeDevice.TryParse(name, out _).ShouldBeFalse();
        if (name is not null)
        {
            Should.Throw<ArgumentException>(() => ComputeDevice.Parse(name)).Message.ShouldContain("cuda:N");
        }
    }

    [Fact]
    public void A_plan_uses_a_gpu_when_any_tower_runs_on_one()
    {
        ComputeDevice.AnyGpu(["cpu"]).ShouldBeFalse();
        ComputeDevice.AnyGpu(["cpu", "cuda:1"]).ShouldBeTrue();
        ComputeDevice.AnyGpu(["cuda:0"]).ShouldBeTrue();
    }
}
