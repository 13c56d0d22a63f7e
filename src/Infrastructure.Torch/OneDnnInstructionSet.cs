using System.Runtime.InteropServices;

namespace AlexNet.Experiments.Infrastructure.Torch;

/// <summary>
/// On AVX-512 CPUs libtorch 2.10's oneDNN computes a plain float32 convolution wrongly when its input has more than 16
/// channels and not a multiple of 16 (the two-tower AlexNet at half width feeds one; AlexNetTests catch it); capped at
/// AVX2 it is right. oneDNN reads the cap from the process environment at its first primitive, so
/// <see cref="TorchRuntime.Start"/> sets it natively (.NET's own environment copy never reaches getenv on Linux) before
/// libtorch is loaded. A cap the user has set is kept.
/// </summary>
internal static partial class OneDnnInstructionSet
{
    public const string Variable = "ONEDNN_MAX_CPU_ISA";
    public const string DefaultCap = "AVX2";

    /// <summary>
    /// The cap oneDNN runs with, given <see cref="Variable"/> as the process found it (null: unset): the user's value, else
    /// <see cref="DefaultCap"/> on every machine. The place for a probe of the faulty shapes, which would cap only where they fail.
    /// </summary>
    public static OneDnnCap Choose(string? userSetting) =>
        userSetting is null ? new OneDnnCap(DefaultCap, FromUser: false) : new OneDnnCap(userSetting, FromUser: true);

    /// <summary>Chooses the cap and puts it in the native environment; on other systems than Linux it leaves oneDNN uncapped.</summary>
    public static OneDnnCap Apply()
    {
        if (!OperatingSystem.IsLinux())
        {
            return new OneDnnCap(null, FromUser: false);
        }

        var cap = Choose(Marshal.PtrToStringUTF8(GetEnv(Variable)));
        if (!cap.FromUser && cap.MaxIsa is { } isa && SetEnv(Variable, isa, overwrite: 0) != 0)
        {
            throw new InvalidOperationException($"setenv({Variable}) failed with errno {Marshal.GetLastPInvokeError()}.");
        }

        return cap;
    }

    [LibraryImport("libc", EntryPoint = "getenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint GetEnv(string name);

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int SetEnv(string name, string value, int overwrite);
}

/// <summary>The instruction-set cap oneDNN runs with.</summary>
/// <param name="MaxIsa">The value of ONEDNN_MAX_CPU_ISA; null: no cap, oneDNN uses the best the CPU has.</param>
/// <param name="FromUser">The process found the variable set, and kept it.</param>
public sealed record OneDnnCap(string? MaxIsa, bool FromUser)
{
    public override string ToString() =>
        MaxIsa is null ? "oneDNN uncapped"
        : FromUser ? $"{OneDnnInstructionSet.Variable}={MaxIsa} (yours)"
        : $"{OneDnnInstructionSet.Variable}={MaxIsa} (the default cap; set the variable to choose another)";
}
