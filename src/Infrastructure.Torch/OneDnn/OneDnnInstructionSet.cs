using System.Globalization;
using System.Runtime.InteropServices;

namespace AlexNet.Experiments.Infrastructure.Torch.OneDnn;

/// <summary>
/// oneDNN's instruction-set cap, chosen by measuring. On one AVX-512 CPU libtorch 2.10's oneDNN computes a plain float32
/// convolution wrongly when its input has more than 16 channels and not a multiple of 16; capped at AVX2 it is right, but
/// other AVX-512 CPUs compute the same shapes right and lose 8–13% of a training step to the cap. So the cap is set only
/// where <see cref="OneDnnProbe"/>, run uncapped in a child process, finds a wrong result; the verdict is kept per machine
/// (<see cref="OneDnnVerdictCache"/>) so the probe runs once. oneDNN reads the cap from the process environment at its first
/// primitive, so it is set natively (.NET's own environment copy never reaches getenv on Linux) before libtorch is loaded.
/// </summary>
internal static partial class OneDnnInstructionSet
{
    public const string Variable = "ONEDNN_MAX_CPU_ISA";
    public const string SafeCap = "AVX2";

    /// <summary>Chooses the cap and puts it in the native environment; off Linux it leaves oneDNN uncapped and probes nothing.</summary>
    public static OneDnnCap Apply(OneDnnGuard guard)
    {
        if (!OperatingSystem.IsLinux())
        {
            return new OneDnnCap(null, OneDnnCapSource.NotProbed, "no probe off Linux");
        }

        var cap = Choose(
            Marshal.PtrToStringUTF8(GetEnv(Variable)),
            OneDnnMachine.Describe(),
            new OneDnnVerdictCache(guard.VerdictFolder),
            () => OneDnnProbeProcess.Run(guard.ProbeCommand, OneDnnProbeProcess.Timeout),
            TimeProvider.System);
        if (cap.Source != OneDnnCapSource.User && cap.MaxIsa is { } isa && SetEnv(Variable, isa, overwrite: 0) != 0)
        {
            throw new InvalidOperationException($"setenv({Variable}) failed with errno {Marshal.GetLastPInvokeError()}.");
        }

        return cap;
    }

    /// <summary>
    /// The user's <see cref="Variable"/> (null: unset) wins. Otherwise this machine's cached verdict decides, or a new probe
    /// whose verdict is cached: a wrong result caps oneDNN at <see cref="SafeCap"/>. A probe that fails (crashes, times out)
    /// also caps, and is not cached, so the next start probes again.
    /// </summary>
    public static OneDnnCap Choose(string? userSetting, string machine, OneDnnVerdictCache cache, Func<OneDnnProbeResult> probe, TimeProvider clock)
    {
        if (userSetting is not null)
        {
            return new OneDnnCap(userSetting, OneDnnCapSource.User, "yours");
        }

        if (cache.Find(machine) is { } cached)
        {
            return OneDnnCap.From(cached, OneDnnCapSource.CachedProbe);
        }

        OneDnnProbeResult result;
        try
        {
            result = probe();
        }
        catch (OneDnnProbeFailedException failed)
        {
            return new OneDnnCap(SafeCap, OneDnnCapSource.ProbeFailed, $"the probe failed, so capped to be safe; the next start probes again: {failed.Message}");
        }

        var verdict = new OneDnnVerdict(machine, result.CasesChecked, result.Wrong, clock.GetUtcNow());
        var cap = OneDnnCap.From(verdict, OneDnnCapSource.Probe);
        try
        {
            cache.Save(verdict);
            return cap;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return cap with { Reason = $"{cap.Reason}; not kept, so the next start probes again: {e.Message}" };
        }
    }

    [LibraryImport("libc", EntryPoint = "getenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint GetEnv(string name);

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int SetEnv(string name, string value, int overwrite);
}

/// <summary>Where the host's probe runs and its verdicts are kept.</summary>
/// <param name="ProbeCommand">The command line of a child process that runs <see cref="OneDnnProbe"/> and prints its result as JSON: the host's own binary, in a hidden verb.</param>
/// <param name="VerdictFolder">The data folder: the verdicts file lives there.</param>
public sealed record OneDnnGuard(IReadOnlyList<string> ProbeCommand, string VerdictFolder);

public enum OneDnnCapSource
{
    /// <summary>The process found <see cref="OneDnnInstructionSet.Variable"/> set, and kept it.</summary>
    User,

    /// <summary>A probe this process ran.</summary>
    Probe,

    /// <summary>The verdict of an earlier probe on this machine.</summary>
    CachedProbe,

    /// <summary>The probe did not finish; capped to be safe.</summary>
    ProbeFailed,

    NotProbed,
}

/// <summary>The instruction-set cap oneDNN runs with, and why.</summary>
/// <param name="MaxIsa">The value of ONEDNN_MAX_CPU_ISA; null: no cap, oneDNN uses the best the CPU has.</param>
public sealed record OneDnnCap(string? MaxIsa, OneDnnCapSource Source, string Reason)
{
    public static OneDnnCap From(OneDnnVerdict verdict, OneDnnCapSource source)
    {
        string when = $"{(source == OneDnnCapSource.CachedProbe ? "cached from the probe of" : "probed")} {verdict.ProbedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC";
        return verdict.Wrong.Count == 0
            ? new OneDnnCap(null, source, $"the probe found all {verdict.CasesChecked} float32 convolutions right uncapped ({when})")
            : new OneDnnCap(OneDnnInstructionSet.SafeCap, source,
                $"the probe found {verdict.Wrong.Count} of {verdict.CasesChecked} float32 convolutions wrong uncapped, first {verdict.Wrong[0].Case} on {verdict.Wrong[0].Threads} threads ({when})");
    }

    public override string ToString() =>
        MaxIsa is null ? $"oneDNN uncapped: {Reason}" : $"{OneDnnInstructionSet.Variable}={MaxIsa}: {Reason}";
}
