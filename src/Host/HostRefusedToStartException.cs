namespace AlexNet.Experiments.Host;

/// <summary>
/// The host will not start as configured; its message is the one line the operator sees, on stderr, and
/// <see cref="ExitCode"/> the process's exit code (see <see cref="Cli.CommandLineApp"/>).
/// </summary>
/// <param name="exitCode">2 for a wrong setting, as for a bad option on the command line; 1 when the settings are each
/// valid but this machine or network makes them unsafe (e.g. listening beyond loopback without an API key).</param>
public sealed class HostRefusedToStartException(string message, int exitCode = 1) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
