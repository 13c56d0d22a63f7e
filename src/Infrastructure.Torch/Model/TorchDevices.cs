using AlexNet.Experiments.Domain.Experiments;
using TorchSharp;
using static TorchSharp.torch;

namespace AlexNet.Experiments.Infrastructure.Torch.Model;

/// <summary>Translates the devices hyperparameters name (parsed by <see cref="ComputeDevice"/>) to TorchSharp devices.</summary>
public static class TorchDevices
{
    public static Device ToTorch(ComputeDevice device) => device.IsGpu ? new Device(DeviceType.CUDA, device.Index) : CPU;

    /// <summary>"cpu", then "cuda:i" for every visible GPU.</summary>
    public static IReadOnlyList<string> Available()
    {
        var devices = new List<string> { ComputeDevice.Cpu.ToString() };
        if (cuda.is_available())
        {
            int count = cuda.device_count();
            for (int i = 0; i < count; i++)
            {
                devices.Add(new ComputeDevice(DeviceKind.Cuda, i).ToString());
            }
        }

        return devices;
    }

    /// <summary>Throws when a planned device does not exist on this machine, so a bad plan fails before any tensor is allocated.</summary>
    public static void EnsureAvailable(Device device, string name)
    {
        if (device.type != DeviceType.CUDA)
        {
            return;
        }

        if (!cuda.is_available() || device.index >= cuda.device_count())
        {
            throw new ArgumentException($"Device '{name}' is not available on this machine (available: {string.Join(", ", Available())}).", nameof(name));
        }
    }
}
