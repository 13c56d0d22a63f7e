using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Domain.Storage;
using AlexNet.Experiments.Domain.Training;
using Mediator;

namespace AlexNet.Experiments.Application.Runs.GetRunCheckpoint;

/// <summary>The checkpoint of the run's last finished epoch; null when the run does not exist or has finished no epoch.</summary>
public sealed record GetRunCheckpointQuery(Guid RunId) : IQuery<ModelCheckpoint?>;

public sealed class GetRunCheckpointHandler(IRunStore runStore, IArtifactIndex artifactIndex) : IQueryHandler<GetRunCheckpointQuery, ModelCheckpoint?>
{
    public async ValueTask<ModelCheckpoint?> Handle(GetRunCheckpointQuery query, CancellationToken cancellationToken)
    {
        if (await runStore.GetRunAsync(query.RunId, cancellationToken) is not { } run
            || await runStore.GetHyperparameterRecordAsync(run.Id, cancellationToken) is not { } record)
        {
            return null;
        }

        // Checkpoint files are named by zero-padded epoch, so the last in ordinal order is the latest.
        var checkpoint = (await artifactIndex.ListArtifactsAsync(run.Id, cancellationToken))
            .Where(a => a.Kind == Artifact.CheckpointKind)
            .OrderBy(a => a.Path, StringComparer.Ordinal)
            .LastOrDefault();
        return checkpoint is null
            ? null
            : new ModelCheckpoint(run.Id, HyperparameterJson.FromJson(record.CanonicalJson), record.ClassCount, run.EpochsCompleted, checkpoint.Path);
    }
}
