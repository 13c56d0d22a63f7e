using System.Globalization;

namespace AlexNet.Experiments.Domain.Experiments;

public enum DeviceKind { Cpu, Cuda }

/// <summary>
/// A device a tower runs on, as hyperparameters name it: <c>cpu</c> or <c>cuda:N</c>. The one place such a name is parsed;
/// the hyperparameter record keeps the name, so its canonical JSON stays as written.
/// </summary>
public readonly record struct ComputeDevice(DeviceKind Kind, int Index)
{
    public static ComputeDevice Cpu { get; } = new(DeviceKind.Cpu, 0);

    public bool IsGpu => Kind == DeviceKind.Cuda;

    public static bool TryParse(string? name, out ComputeDevice device)
    {
        device = Cpu;
        if (name == "cpu")
        {
            return true;
        }

        if (name is not null && name.StartsWith("cuda:", StringComparison.Ordinal)
            && int.TryParse(name.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out int index))
        {
            device = new ComputeDevice(DeviceKind.Cuda, index);
            return true;
        }

        return false;
    }

    public static ComputeDevice Parse(string name) =>
        TryParse(name, out var device) ? device : throw new ArgumentException($"'{name}' is not a device name; use \"cpu\" or \"cuda:N\".", nameof(name));

    /// <summary>True when any of the named devices is a GPU; the names must parse (validated hyperparameters).</summary>
    public static bool AnyGpu(IEnumerable<string> names) => names.Any(name => Parse(name).IsGpu);

    public override string ToString() => IsGpu ? string.Create(CultureInfo.InvariantCulture, $"cuda:{Index}") : "cpu";
}
