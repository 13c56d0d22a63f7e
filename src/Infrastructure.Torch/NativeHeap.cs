using System.Runtime.InteropServices;

namespace AlexNet.Experiments.Infrastructure.Torch;

/// <summary>
/// glibc gives blocks above its mmap threshold (128 KiB at start) back to the kernel when they are freed, and a training
/// step frees activations of megabytes, so the kernel maps and zeroes fresh pages for every step. Keeping freed memory
/// in the heap instead is worth a visible share of the step (see README, "What was measured").
/// </summary>
internal static partial class NativeHeap
{
    private const int TrimThreshold = -1, TopPad = -2, MmapThreshold = -3;

    public static void KeepFreedMemory()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        _ = Mallopt(MmapThreshold, 32 << 20); // glibc's largest: a block up to 32 MiB comes from the heap
        _ = Mallopt(TrimThreshold, int.MaxValue);
        _ = Mallopt(TopPad, 64 << 20);
    }

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int Mallopt(int parameter, int value);
}
