using System.Runtime.InteropServices;
using TorchSharp;

namespace AlexNet.Experiments.Infrastructure.Torch.Threading;

/// <summary>
/// libtorch's intra-op parallelism for one thread. torch.set_num_threads also changes the process-wide count that every
/// thread starting later picks up, so a thread that must compute alone sets its own OpenMP and MKL counts directly.
/// </summary>
internal static class IntraOpThreads
{
    private static readonly Lazy<Setters> Native = new(Resolve);

    /// <summary>Throws now, on the caller, if this libtorch build has no per-thread setting.</summary>
    public static void EnsureAvailable() => _ = Native.Value;

    /// <summary>From now on, libtorch computes this thread's operations on this thread alone.</summary>
    public static void UseOnlyTheCallingThread() => Set(1);

    /// <summary>
    /// Until disposed, libtorch computes this thread's operations on this thread alone. A thread that hands its heavy work
    /// to <see cref="TorchWorkers"/> uses it for what it keeps: otherwise each of its small operations wakes libtorch's
    /// helper threads, which then spin on the cores the workers need.
    /// </summary>
    public static AloneScope Alone() => Use(1);

    /// <summary>Until disposed, libtorch computes this thread's operations on <paramref name="threads"/> threads.</summary>
    public static AloneScope Use(int threads) => new(Set(threads));

    /// <summary>Sets the calling thread's count; returns the one it replaces.</summary>
    private static unsafe (int OpenMp, int Mkl) Set(int threads)
    {
        // libtorch sets a thread's counts to the process-wide one on its first query; let that happen before overriding.
        int before = torch.get_num_threads();
        var native = Native.Value;
        ((delegate* unmanaged<int, void>)native.OpenMp)(threads);
        int mklBefore = native.Mkl == 0 ? 0 : ((delegate* unmanaged<int, int>)native.Mkl)(threads);
        if (torch.get_num_threads() != threads)
        {
            throw new InvalidOperationException($"libtorch computes with {torch.get_num_threads()} threads on a thread set to use {threads}.");
        }

        return (before, mklBefore);
    }

    private static unsafe void Restore((int OpenMp, int Mkl) before)
    {
        var native = Native.Value;
        ((delegate* unmanaged<int, void>)native.OpenMp)(before.OpenMp);
        if (native.Mkl != 0)
        {
            _ = ((delegate* unmanaged<int, int>)native.Mkl)(before.Mkl); // 0: back to MKL's process-wide count
        }
    }

    public readonly struct AloneScope((int OpenMp, int Mkl) before) : IDisposable
    {
        public void Dispose() => Restore(before);
    }

    private sealed record Setters(nint OpenMp, nint Mkl);

    private static Setters Resolve()
    {
        _ = torch.get_num_threads(); // loads libtorch
        // dlsym on libtorch_cpu also searches the libraries it links, which is where the OpenMP runtime is. MKL's C entry
        // point is the mixed-case name; the lower-case one is the Fortran interface, which takes a pointer.
        string name = OperatingSystem.IsWindows() ? "torch_cpu.dll" : OperatingSystem.IsMacOS() ? "libtorch_cpu.dylib" : "libtorch_cpu.so";
        if (!NativeLibrary.TryLoad(name, out var library) || !NativeLibrary.TryGetExport(library, "omp_set_num_threads", out var openMp))
        {
            throw new PlatformNotSupportedException($"Cannot find omp_set_num_threads through {name}: this libtorch build offers no per-thread intra-op setting, so a batch cannot be sliced across threads.");
        }

        return new Setters(openMp, NativeLibrary.TryGetExport(library, "MKL_Set_Num_Threads_Local", out var mkl) ? mkl : 0);
    }
}
