using AlexNet.Experiments.Domain.Jobs;
using AlexNet.Experiments.Domain.Storage;
using Mediator;

namespace AlexNet.Experiments.Application.Runs.ReconcileRuns;

/// <summary>
/// A run that claims to be in progress but whose job is not alive (lost, or left "processing" by a process that died) gets its
/// next step queued again, and the dead job is abandoned so it cannot come back. A run waiting for its version's preprocessing
/// shards gets each lost shard (or the lost merge) queued again instead. Runs at start-up and then periodically.
/// <paramref name="QuietPeriod"/>: a run changed more recently than this is left alone, so a periodic pass never races a
/// submission that has stored its run but not yet queued its first job. Zero at start-up, when no step of ours is running.
/// </summary>
public sealed record ReconcileRunsCommand(TimeSpan QuietPeriod) : ICommand<int>;

public sealed class ReconcileRunsHandler(IPreprocessingCoordination preprocessing, IRunStore runStore, RunStepQueue queue, TimeProvider clock) : ICommandHandler<ReconcileRunsCommand, int>
{
    public async ValueTask<int> Handle(ReconcileRunsCommand command, CancellationToken cancellationToken)
    {
        int requeued = 0;
        foreach (var listed in await runStore.ListUnfinishedRunsAsync(cancellationToken))
        {
            if (IsAttended(listed) || clock.GetUtcNow() - listed.UpdatedAt < command.QuietPeriod)
            {
                continue;
            }

            // Read again: the job may have finished and queued its successor since the list was read.
            var run = await runStore.GetRunAsync(listed.Id, cancellationToken);
            if (run is null || run.IsFinished || run.CurrentJobId != listed.CurrentJobId || run.UpdatedAt != listed.UpdatedAt || IsAttended(run))
            {
                continue;
            }

            if (run.Status == Domain.Experiments.RunStatus.Preprocessing
                && await preprocessing.GetPreprocessingAsync(run.Id, cancellationToken) is { } version)
            {
                requeued += await queue.ResumePreprocessingAsync(run, version, cancellationToken);
                continue;
            }

            if (run.NextStep is { } step)
            {
                queue.Abandon(run.CurrentJobId);
                await queue.EnqueueAsync(run, step, cancellationToken);
                requeued++;
            }
        }

        return requeued;
    }

    private bool IsAttended(Domain.Experiments.Run run) => queue.IsAlive(run.CurrentJobId);
}
