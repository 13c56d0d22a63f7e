using AlexNet.Experiments.Domain.Jobs;
using AlexNet.Experiments.Domain.Storage;
using Mediator;

namespace AlexNet.Experiments.Application.Runs.ReconcileRuns;

/// <summary>At start-up: a run that claims to be in progress but has no live job gets its next step queued again.</summary>
public sealed record ReconcileRunsCommand : ICommand<int>;

public sealed class ReconcileRunsHandler(IResultsStore store, IJobScheduler scheduler) : ICommandHandler<ReconcileRunsCommand, int>
{
    public async ValueTask<int> Handle(ReconcileRunsCommand command, CancellationToken cancellationToken)
    {
        int requeued = 0;
        foreach (var run in await store.ListUnfinishedRunsAsync(cancellationToken))
        {
            if (run.CurrentJobId is { } jobId && scheduler.IsAlive(jobId))
            {
                continue;
            }

            if (RunJobs.NextStep(run) is { } step)
            {
                await RunJobs.EnqueueAsync(store, scheduler, step, cancellationToken);
                requeued++;
            }
        }

        return requeued;
    }
}
