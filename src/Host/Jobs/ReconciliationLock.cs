using Hangfire;
using Mediator;

namespace AlexNet.Experiments.Host.Jobs;

/// <summary>
/// One reconciliation at a time across every process on the job store: two workers that both saw a dead job would otherwise
/// both queue its run's next step. A process that cannot get the lock soon skips its pass; the holder does the work.
/// </summary>
public static class ReconciliationLock
{
    private const string Resource = "alexnet:reconcile-runs";

    public static async Task<int> RunAsync(IServiceProvider services, TimeSpan quietPeriod, CancellationToken cancellationToken)
    {
        using var connection = services.GetRequiredService<JobStorage>().GetConnection();
        IDisposable held;
        try
        {
            held = connection.AcquireDistributedLock(Resource, TimeSpan.FromSeconds(5));
        }
        catch (Hangfire.Storage.DistributedLockTimeoutException)
        {
            return 0;
        }

        using (held)
        {
            await using var scope = services.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<IMediator>()
                .Send(new Application.Runs.ReconcileRuns.ReconcileRunsCommand(quietPeriod), cancellationToken);
        }
    }
}
