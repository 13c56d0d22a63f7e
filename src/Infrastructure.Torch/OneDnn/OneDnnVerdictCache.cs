using System.Reflection;
using System.Text.Json;
using TorchSharp;

namespace AlexNet.Experiments.Infrastructure.Torch.OneDnn;

/// <summary>What one probe found on one machine.</summary>
/// <param name="Machine">The key the verdict holds for (<see cref="OneDnnMachine.Describe"/>).</param>
public sealed record OneDnnVerdict(string Machine, int CasesChecked, IReadOnlyList<ProbeFinding> Wrong, DateTimeOffset ProbedAt);

/// <summary>What a verdict holds for: the CPU model, its vector instruction sets, the TorchSharp build (which pins libtorch) and the probe's version.</summary>
public static class OneDnnMachine
{
    public static string Describe() => Describe(File.Exists("/proc/cpuinfo") ? File.ReadAllLines("/proc/cpuinfo") : []);

    internal static string Describe(IReadOnlyList<string> cpuInfo)
    {
        string model = Field(cpuInfo, "model name") ?? "unknown CPU";
        var vectorSets = (Field(cpuInfo, "flags") ?? "")
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Where(f => f.StartsWith("avx", StringComparison.Ordinal) || f.StartsWith("amx", StringComparison.Ordinal) || f == "fma")
            .Order(StringComparer.Ordinal);
        string torchSharp = typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        return $"{model}; {string.Join(' ', vectorSets)}; TorchSharp {torchSharp}; probe {OneDnnProbe.Version}";
    }

    private static string? Field(IReadOnlyList<string> cpuInfo, string name) =>
        cpuInfo.Where(l => l.StartsWith(name, StringComparison.Ordinal) && l.Contains(':', StringComparison.Ordinal))
            .Select(l => l[(l.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim())
            .FirstOrDefault();
}

/// <summary>
/// The probe's verdicts, one per machine key, in <see cref="FileName"/> in the data folder: a folder shared by hosts on
/// different machines keeps each machine's. A file that cannot be read or parsed counts as empty and is replaced at the next save.
/// </summary>
public sealed class OneDnnVerdictCache(string folder)
{
    public const string FileName = "onednn-probe.json";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public string Path { get; } = System.IO.Path.Combine(folder, FileName);

    public OneDnnVerdict? Find(string machine) => Read().FirstOrDefault(v => v.Machine == machine);

    public void Save(OneDnnVerdict verdict)
    {
        var verdicts = Read().Where(v => v.Machine != verdict.Machine).Append(verdict).ToList();
        Directory.CreateDirectory(folder);
        string temporary = $"{Path}.{Environment.ProcessId}.tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(verdicts, Json));
        File.Move(temporary, Path, overwrite: true);
    }

    private List<OneDnnVerdict> Read()
    {
        try
        {
            return File.Exists(Path) ? JsonSerializer.Deserialize<List<OneDnnVerdict>>(File.ReadAllText(Path), Json) ?? [] : [];
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
