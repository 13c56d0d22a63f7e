using System.Diagnostics;

namespace AlexNet.Experiments.Host.Jobs;

/// <summary>
/// Whether a Hangfire server still runs. A server on this machine names its process (id and start time) in its server name, so
/// a dead one is recognised at once, even seconds after a crash, and a reused process id is not mistaken for it. Another
/// machine's server is alive while its heartbeat is recent.
/// </summary>
public static class ServerLiveness
{
    public static readonly TimeSpan HeartbeatTimeout = TimeSpan.FromMinutes(1);

    private const char Separator = '~';

    /// <summary>"{machine}~{process id}~{process start, UTC ticks}"; Hangfire appends ":{guid}" to make the server id.</summary>
    public static string LocalServerName { get; } = ServerName(Environment.MachineName, Environment.ProcessId, StartTicks(Process.GetCurrentProcess()));

    public static string ServerName(string machine, int processId, long startTicks) => $"{machine}{Separator}{processId}{Separator}{startTicks}";

    public static bool IsAlive(string serverId, DateTime? lastHeartbeat, DateTimeOffset now)
    {
        var parts = serverId.Split(':')[0].Split(Separator);
        if (parts.Length == 3 && parts[0].Equals(Environment.MachineName, StringComparison.OrdinalIgnoreCase)
            && int.TryParse(parts[1], out int processId) && long.TryParse(parts[2], out long startTicks))
        {
            return IsRunning(processId, startTicks);
        }

        return lastHeartbeat is { } heartbeat && now - new DateTimeOffset(DateTime.SpecifyKind(heartbeat, DateTimeKind.Utc)) < HeartbeatTimeout;
    }

    private static bool IsRunning(int processId, long startTicks)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            // Start times are read from the kernel at one-second granularity on some systems; a reused id starts later than that.
            return !process.HasExited && Math.Abs(StartTicks(process) - startTicks) < TimeSpan.TicksPerSecond;
        }
        catch (ArgumentException)
        {
            return false; // no such process
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return false; // exited while we looked
        }
    }

    private static long StartTicks(Process process) => process.StartTime.ToUniversalTime().Ticks;
}
