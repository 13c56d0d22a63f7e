using AlexNet.Experiments.Infrastructure.Torch.OneDnn;
using AlexNet.Experiments.Infrastructure.Torch.Threading;
using TorchSharp;

namespace AlexNet.Experiments.Infrastructure.Torch;

/// <summary>
/// The process-wide native settings libtorch computes with, made explicitly and once: oneDNN's instruction-set cap
/// (<see cref="OneDnnInstructionSet"/>) and glibc's allocator (<see cref="NativeHeap"/>). Both act only if made before
/// libtorch's first call, so the host starts the runtime at start-up, before it composes anything that computes, and a test
/// assembly that calls libtorch itself starts it first. libtorch's intra-op thread count is left at its default (one per
/// core) and reported; <see cref="TorchWorkers"/>, the kernels' own single-threaded pool, grows on demand up to one per core.
/// </summary>
public static class TorchRuntime
{
    private static readonly Lock Gate = new();
    private static TorchRuntimeSetup? started;

    /// <summary>Makes the settings on the first call, then loads libtorch; every call returns what the first chose.</summary>
    /// <param name="oneDnn">Where the first call probes oneDNN (or finds the verdict of an earlier probe); later calls ignore it.</param>
    public static TorchRuntimeSetup Start(OneDnnGuard oneDnn)
    {
        lock (Gate)
        {
            return started ??= StartOnce(oneDnn);
        }
    }

    private static TorchRuntimeSetup StartOnce(OneDnnGuard guard)
    {
        // The order matters: the environment and the allocator first, then the first libtorch call.
        var oneDnn = OneDnnInstructionSet.Apply(guard);
        var heap = NativeHeap.KeepFreedMemory();
        return new TorchRuntimeSetup(torch.__version__, torch.get_num_threads(), TorchWorkers.MaxThreads, oneDnn, heap);
    }
}

/// <summary>What <see cref="TorchRuntime.Start"/> chose; its <see cref="ToString"/> is the start-up log line.</summary>
/// <param name="IntraOpThreads">libtorch's own default: the threads one operation uses on a thread that sets none.</param>
/// <param name="KernelWorkers">The most threads the fused kernels and batch slices compute on at once.</param>
/// <param name="Allocator">Null: the C library's defaults.</param>
public sealed record TorchRuntimeSetup(string LibTorchVersion, int IntraOpThreads, int KernelWorkers, OneDnnCap OneDnn, NativeHeapSettings? Allocator)
{
    public override string ToString() =>
        $"libtorch {LibTorchVersion}, {IntraOpThreads} intra-op threads, kernel workers up to {KernelWorkers}; {OneDnn}; {Allocator?.ToString() ?? "malloc defaults"}";
}
