using System.Globalization;

namespace AlexNet.Experiments.Infrastructure.Torch;

/// <summary>
/// The process's resident memory as Linux counts it (/proc/self/status), and the share of it that is live: the managed heap
/// and what glibc's allocator has handed out and not had back (libtorch's tensors among it).
/// </summary>
/// <param name="PeakResidentBytes">The most resident since <see cref="ResetPeak"/> (VmHWM); null where it cannot be read.</param>
/// <param name="NativeHeapInUseBytes">Null without glibc's figures.</param>
public sealed record ProcessMemory(long ResidentBytes, long? PeakResidentBytes, long ManagedHeapBytes, long? NativeHeapInUseBytes)
{
    private const string Status = "/proc/self/status", ClearRefs = "/proc/self/clear_refs";

    public static ProcessMemory Now() => new(
        Read("VmRSS:") ?? Environment.WorkingSet, Read("VmHWM:"), GC.GetGCMemoryInfo().HeapSizeBytes, NativeHeap.BytesInUse());

    /// <summary>Starts the peak afresh from what is resident now; false where Linux does not allow it.</summary>
    public static bool ResetPeak()
    {
        try
        {
            File.WriteAllText(ClearRefs, "5"); // 5: reset the peak resident set size (proc(5))
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    public static string MiB(long bytes) => (bytes / (1024.0 * 1024)).ToString("F0", CultureInfo.InvariantCulture) + " MB";

    /// <summary>A field of /proc/self/status, in bytes; null where there is none.</summary>
    private static long? Read(string field)
    {
        if (!File.Exists(Status))
        {
            return null;
        }

        var line = File.ReadLines(Status).FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
        return line is null ? null : long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
    }
}
