using AlexNet.Experiments.Application.Runs.ReconcileRuns;
using AlexNet.Experiments.Domain.Jobs;
using Hangfire;
using Hangfire.States;
using Hangfire.Storage;
using Mediator;

namespace AlexNet.Experiments.Host.Jobs;

/// <summary>
/// A run step's job deleted from the dashboard would leave its run waiting for a job that never comes. Once the deletion is
/// committed, the runs are reconciled: a run whose current job is gone gets its next step queued again (a cancelled or finished
/// run has none). Requeueing a job from the dashboard needs nothing: the step finds the run already past it and does nothing.
/// </summary>
public sealed partial class RunJobDeletedFilter(IServiceProvider services, ILogger<RunJobDeletedFilter> logger) : IApplyStateFilter
{
    public void OnStateApplied(ApplyStateContext context, IWriteOnlyTransaction transaction)
    {
        if (context.NewState is DeletedState && context.BackgroundJob.Job?.Args.FirstOrDefault() is RunStep step)
        {
            var jobId = context.BackgroundJob.Id;
            _ = Task.Run(() => ReconcileAsync(jobId, step));
        }
    }

    public void OnStateUnapplied(ApplyStateContext context, IWriteOnlyTransaction transaction)
    {
    }

    private async Task ReconcileAsync(string jobId, RunStep step)
    {
        try
        {
            // This filter runs inside the state change's transaction; reconcile only once the job reads as deleted.
            var storage = services.GetRequiredService<JobStorage>();
            for (int attempt = 0; attempt < 100 && !IsDeleted(storage, jobId); attempt++)
            {
                await Task.Delay(50);
            }

            await using var scope = services.CreateAsyncScope();
            int requeued = await scope.ServiceProvider.GetRequiredService<IMediator>().Send(new ReconcileRunsCommand(QuietPeriod: TimeSpan.Zero));
            LogReconciled(jobId, step, requeued);
        }
        catch (Exception e)
        {
            LogReconcileFailed(e, jobId, step);
        }
    }

    private static bool IsDeleted(JobStorage storage, string jobId)
    {
        using var connection = storage.GetConnection();
        return connection.GetJobData(jobId)?.State == DeletedState.StateName;
    }

    [LoggerMessage(LogLevel.Information, "Job {JobId} ({Step}) was deleted; reconciled the runs, {Requeued} requeued")]
    private partial void LogReconciled(string jobId, RunStep step, int requeued);

    [LoggerMessage(LogLevel.Error, "Job {JobId} ({Step}) was deleted and reconciling the runs failed")]
    private partial void LogReconcileFailed(Exception exception, string jobId, RunStep step);
}
