using System.Runtime.InteropServices;

namespace AlexNet.Experiments.Infrastructure.Torch;

/// <summary>
/// glibc gives blocks above its mmap threshold (128 KiB at start) back to the kernel when they are freed, and a training
/// step frees activations of megabytes, so the kernel maps and zeroes fresh pages for every step. Keeping freed memory
/// in the heap instead is worth a visible share of the step (see README, "What was measured"). It is kept for the step,
/// not after it: a step gives it back when it ends (<see cref="TorchStep"/>; docs/RELIABILITY.md, "Memory over many runs").
/// </summary>
internal static partial class NativeHeap
{
    private const int TrimThreshold = -1, TopPad = -2, MmapThreshold = -3;

    private static volatile bool keepsFreedMemory;

    /// <summary>The values <see cref="KeepFreedMemory"/> sets: glibc's largest mmap threshold, no trimming, a 64 MiB top pad.</summary>
    public static NativeHeapSettings KeepingFreedMemory { get; } = new(MmapThresholdBytes: 32 << 20, TrimThresholdBytes: int.MaxValue, TopPadBytes: 64 << 20);

    /// <summary>Sets glibc's allocator to keep freed memory; null where there is no glibc (other systems, or mallopt refused).</summary>
    public static NativeHeapSettings? KeepFreedMemory()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        var settings = KeepingFreedMemory;
        // mallopt answers 1 when it took the value; musl's answers 0 to everything.
        bool applied = Mallopt(MmapThreshold, settings.MmapThresholdBytes) == 1;
        applied &= Mallopt(TrimThreshold, settings.TrimThresholdBytes) == 1;
        applied &= Mallopt(TopPad, settings.TopPadBytes) == 1;
        keepsFreedMemory = applied;
        return applied ? settings : null;
    }

    /// <summary>
    /// Gives the kernel back every whole free page in every arena, however fragmented, and the free end of the main heap
    /// (malloc_trim); the free end of another arena's heap stays, for the next step on the thread that arena serves. Does
    /// nothing unless <see cref="KeepFreedMemory"/> made glibc keep freed memory.
    /// </summary>
    public static void GiveBackFreedMemory()
    {
        if (keepsFreedMemory)
        {
            _ = MallocTrim(0);
        }
    }

    /// <summary>Bytes allocated and not yet freed, over all of glibc's arenas and its separately mapped blocks; null without glibc 2.33 or later.</summary>
    public static long? BytesInUse()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        try
        {
            var info = Mallinfo2();
            return (long)(info.Uordblks + info.Hblkhd);
        }
        catch (EntryPointNotFoundException)
        {
            return null;
        }
    }

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int Mallopt(int parameter, int value);

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);

    [LibraryImport("libc", EntryPoint = "mallinfo2")]
    private static partial MallInfo2 Mallinfo2();

    /// <summary>glibc's struct mallinfo2, field for field.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct MallInfo2(
        nuint Arena, nuint Ordblks, nuint Smblks, nuint Hblks, nuint Hblkhd, nuint Usmblks, nuint Fsmblks, nuint Uordblks, nuint Fordblks, nuint Keepcost);
}

/// <summary>glibc malloc's settings (mallopt), in bytes.</summary>
public sealed record NativeHeapSettings(int MmapThresholdBytes, int TrimThresholdBytes, int TopPadBytes)
{
    public override string ToString() =>
        $"malloc keeps freed memory until a step ends (mmap threshold {MiB(MmapThresholdBytes)}, trim threshold {(TrimThresholdBytes == int.MaxValue ? "never" : MiB(TrimThresholdBytes))}, top pad {MiB(TopPadBytes)})";

    private static string MiB(int bytes) => $"{bytes / (1 << 20)} MiB";
}
