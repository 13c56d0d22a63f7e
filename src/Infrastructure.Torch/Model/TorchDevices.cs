using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace AlexNet.Experiments.Infrastructure.Torch.Model;

/// <summary>Translates the device names recorded in hyperparameters ("cpu", "cuda:0") to TorchSharp devices.</summary>
public static class TorchDevices
{
    public static Device Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        string text = name.Trim().ToLowerInvariant();
        switch (text)
        {
            case "cpu":
                return CPU;
            case "meta":
                return new Device(DeviceType.META);
            case "cuda":
                return new Device(DeviceType.CUDA, 0);
        }

        if (text.StartsWith("cuda:", StringComparison.Ordinal) &&
            int.TryParse(text.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out int index))
        {
            return new Device(DeviceType.CUDA, index);
        }

        throw new ArgumentException($"Unknown device '{name}': expected 'cpu', 'cuda' or 'cuda:<index>'.", nameof(name));
    }

    /// <summary>"cpu", then "cuda:i" for every visible GPU.</summary>
    public static IReadOnlyList<string> Available()
    {
        var devices = new List<string> { "cpu" };
        if (cuda.is_available())
        {
            int count = cuda.device_count();
            for (int i = 0; i < count; i++)
            {
                devices.Add($"cuda:{i}");
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
