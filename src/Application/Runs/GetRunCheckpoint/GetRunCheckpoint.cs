using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Application.Runs.ExecuteRunStep;
using AlexNet.Experiments.Domain.Storage;
using AlexNet.Experiments.Domain.Training;
using Mediator;

namespace AlexNet.Experiments.Application.Runs.GetRunCheckpoint;

/// <summary>The checkpoint of the run's last finished epoch; null when the run does not exist or has finished no epoch.</summary>
public sealed record GetRunCheckpointQuery(Guid RunId) : IQuery<ModelCheckpoint?>;

public sealed class GetRunCheckpointHandler(IResultsStore store) : IQueryHandler<GetRunCheckpointQuery, ModelCheckpoint?>
{
    public async ValueTask<ModelCheckpoint?> Handle(GetRunCheckpointQuery query, CancellationToken cancellationToken)
    {
        if (await store.GetRunAsync(query.RunId, cancellationToken) is not { } run
            || await store.GetHyperparameterRecordAsync(run.Id, cancellationToken) is not { } record)
        {
            return null;
        }

        // Checkpoint files are named by zero-padded epoch, so the last in ordinal order is the latest.
        var checkpoint = (await store.ListArtifactsAsync(run.Id, cancellationToken))
            .Where(a => a.Kind == ExecuteRunStepHandler.CheckpointKind)
            .OrderBy(a => a.Path, StringComparer.Ordinal)
            .LastOrDefault();
        return checkpoint is null
            ? null
            : new ModelCheckpoint(run.Id, HyperparameterJson.FromJson(record.CanonicalJson), record.ClassCount, run.EpochsCompleted, checkpoint.Path);
    }
}
