using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AlexNet.Experiments.Infrastructure.Torch;

/// <summary>
/// On AVX-512 CPUs libtorch 2.10's oneDNN computes a plain float32 convolution wrongly when its input has more than 16
/// channels and not a multiple of 16 (the two-tower AlexNet at half width feeds one; AlexNetTests catch it); capped at
/// AVX2 it is right. oneDNN reads the cap from the process environment at its first primitive, so it is set natively
/// (.NET's own environment copy never reaches getenv on Linux) before any code of this adapter runs. A cap the user has
/// set is kept.
/// </summary>
internal static partial class OneDnnInstructionSet
{
    public const string Variable = "ONEDNN_MAX_CPU_ISA";

    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "Must precede the adapter's first libtorch call, whoever makes it.")]
    internal static void CapAtAvx2()
    {
        if (OperatingSystem.IsLinux())
        {
            _ = SetEnv(Variable, "AVX2", overwrite: 0);
        }
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);
}
