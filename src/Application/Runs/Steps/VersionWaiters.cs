using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Jobs;
using AlexNet.Experiments.Domain.Storage;
using Microsoft.Extensions.Logging;

namespace AlexNet.Experiments.Application.Runs.Steps;

/// <summary>The other runs that wait for the same dataset version as a run: woken when it is published, handed its work when the run stops.</summary>
public sealed partial class VersionWaiters(IPreprocessingCoordination coordination, IRunStore runs, RunStepQueue queue, ILogger<VersionWaiters> logger)
{
    /// <summary>Queues the merge step, which finishes their preprocessing, for every other run still waiting for the published version.</summary>
    public async Task WakeAsync(Guid publishedBy, string contentHash, CancellationToken cancellationToken)
    {
        foreach (var waitingId in await coordination.ListRunsAwaitingVersionAsync(contentHash, cancellationToken))
        {
            if (waitingId != publishedBy && await runs.GetRunAsync(waitingId, cancellationToken) is { Status: RunStatus.Preprocessing } waiting)
            {
                await queue.EnqueueAsync(waiting, new RunStep(waiting.Id, RunStepKind.PreprocessMerge), cancellationToken);
            }
        }
    }

    /// <summary>
    /// A shard or merge that stopped with its run (failed or cancelled) is queued for the next run waiting for the version, which
    /// tries it for itself at once (and, failing too, hands it on) instead of waiting for reconciliation.
    /// </summary>
    public async Task HandOverAsync(Guid runId, RunStep step, CancellationToken cancellationToken)
    {
        if (step.Kind is not (RunStepKind.PreprocessShard or RunStepKind.PreprocessMerge)
            || await coordination.GetPreprocessingAsync(runId, cancellationToken) is not { } preprocessing)
        {
            return;
        }

        foreach (var waitingId in await coordination.ListRunsAwaitingVersionAsync(preprocessing.ContentHash, cancellationToken))
        {
            if (waitingId == runId || await runs.GetRunAsync(waitingId, cancellationToken) is not { Status: RunStatus.Preprocessing })
            {
                continue;
            }

            if (step.Kind == RunStepKind.PreprocessShard)
            {
                await queue.EnqueueShardAsync(waitingId, preprocessing.ContentHash, step.Shard, cancellationToken);
            }
            else
            {
                await queue.EnqueueMergeAsync(waitingId, preprocessing.ContentHash, cancellationToken);
            }

            LogHandedOver(step, waitingId);
            return;
        }
    }

    [LoggerMessage(LogLevel.Warning, "{Step} stopped with its run; queued again for run {WaitingRunId}, which waits for the same version")]
    private partial void LogHandedOver(RunStep step, Guid waitingRunId);
}
