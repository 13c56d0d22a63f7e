using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Storage;
using AlexNet.Experiments.Domain.Training;

namespace AlexNet.Experiments.Application.Runs.Steps;

/// <summary>Each epoch's checkpoint: its file, its row, and which ones <see cref="RunStepOptions.CheckpointRetention"/> keeps.</summary>
public sealed class RunCheckpoints(IArtifactStore files, IArtifactIndex index, IRunMetricsStore metrics, RunStepOptions options)
{
    public string DirectoryOf(Guid runId) => files.GetRunDirectory(runId);

    public async Task RecordAsync(Guid runId, int epoch, string path, CancellationToken cancellationToken)
    {
        var checkpoint = await files.DescribeAsync(runId, Artifact.CheckpointKind, path, cancellationToken);
        await index.AddArtifactAsync(checkpoint with { Epoch = epoch }, cancellationToken);
        if (options.CheckpointRetention == CheckpointRetention.LastAndBest)
        {
            await PruneAsync(runId, epoch, cancellationToken);
        }
    }

    /// <summary>The checkpoint of the run's last completed epoch, which evaluation reads.</summary>
    public async Task<Artifact> LastAsync(Run run, CancellationToken cancellationToken) =>
        (await index.ListArtifactsAsync(run.Id, cancellationToken)).SingleOrDefault(a => a.Kind == Artifact.CheckpointKind && a.Epoch == run.EpochsCompleted)
        ?? throw new InvalidOperationException($"The run has no checkpoint of epoch {run.EpochsCompleted} to evaluate.");

    /// <summary>Keeps the newest checkpoint (the next epoch and evaluation read it) and the best by validation top-1 error.</summary>
    private async Task PruneAsync(Guid runId, int lastEpoch, CancellationToken cancellationToken)
    {
        var best = (await metrics.GetEpochMetricsAsync(runId, cancellationToken))
            .Where(m => !double.IsNaN(m.ValidationTop1Error))
            .MinBy(m => m.ValidationTop1Error);
        foreach (var stale in (await index.ListArtifactsAsync(runId, cancellationToken))
                     .Where(a => a.Kind == Artifact.CheckpointKind && a.Epoch != lastEpoch && a.Epoch != best?.Epoch))
        {
            files.Delete(stale);
            await index.RemoveArtifactAsync(runId, stale.Path, cancellationToken);
        }
    }
}
