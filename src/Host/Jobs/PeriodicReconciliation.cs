namespace AlexNet.Experiments.Host.Jobs;

/// <summary>Every few seconds, requeues runs whose job died with another process (scale-out) or was lost from the job store.</summary>
public sealed partial class PeriodicReconciliation(IServiceProvider services, ILogger<PeriodicReconciliation> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(20);

    /// <summary>
    /// A run changed more recently than this is left alone: between storing a run (or finishing a step) and recording the next
    /// job lie milliseconds, so this is ample, and it keeps a run whose worker died waiting at most this plus one interval.
    /// </summary>
    public static readonly TimeSpan QuietPeriod = TimeSpan.FromSeconds(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        while (await NextTickAsync(timer, stoppingToken))
        {
            try
            {
                int requeued = await ReconciliationLock.RunAsync(services, QuietPeriod, stoppingToken);
                if (requeued > 0)
                {
                    LogRequeued(requeued);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(e);
            }
        }
    }

    // A host that fails to start (a port in use) is disposed without being stopped, which cancels the token mid-wait.
    private static async Task<bool> NextTickAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(LogLevel.Warning, "Requeued {Count} runs whose job was no longer alive")]
    private partial void LogRequeued(int count);

    [LoggerMessage(LogLevel.Error, "Periodic run reconciliation failed; it is tried again at the next tick")]
    private partial void LogFailed(Exception exception);
}
