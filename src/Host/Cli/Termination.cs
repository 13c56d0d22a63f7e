using System.Runtime.InteropServices;

namespace AlexNet.Experiments.Host.Cli;

/// <summary>
/// Ctrl-C (SIGINT) and SIGTERM cancel <see cref="Token"/>: the verb stops at its next safe point (a training job at
/// its next batch boundary, with its state saved) and the process exits 130 or 143, the shell's code for death by
/// that signal. A second signal, or a verb still running <see cref="GracePeriod"/> after the first, ends the process
/// at once with the same code, so a stuck shutdown never hangs the terminal or a service manager.
/// </summary>
internal sealed class Termination : IDisposable
{
    public static readonly TimeSpan GracePeriod = TimeSpan.FromSeconds(20);

    private readonly CancellationTokenSource cancellation = new();
    private readonly PosixSignalRegistration[] registrations;
    private readonly TextWriter error;
    private int exitCode;

    // Static: an unreferenced Timer may be collected before it fires, and the bound must outlive this object.
    private static Timer? deadline;

    public Termination(TextWriter error)
    {
        this.error = error;
        registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal),
        ];
    }

    public CancellationToken Token => cancellation.Token;

    /// <summary>128 + the signal's number once a signal arrived; null before.</summary>
    public int? ExitCode => Volatile.Read(ref exitCode) is var code and not 0 ? code : null;

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true; // the default would kill the process before the state is saved
        var (name, code) = context.Signal == PosixSignal.SIGINT ? ("Interrupted", 130) : ("Terminated", 143);
        if (Interlocked.CompareExchange(ref exitCode, code, 0) != 0)
        {
            error.WriteLine("Second signal: exiting now.");
            Environment.Exit(exitCode);
        }

        error.WriteLine($"{name}: stopping at the next batch boundary (a second signal exits at once).");
        deadline = new Timer(
            _ =>
            {
                error.WriteLine($"Not stopped after {GracePeriod.TotalSeconds:F0} s: exiting.");
                Environment.Exit(code);
            },
            null, GracePeriod, Timeout.InfiniteTimeSpan);
        cancellation.Cancel();
    }

    public void Dispose()
    {
        foreach (var registration in registrations)
        {
            registration.Dispose();
        }

        cancellation.Dispose();
    }
}
