using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Storage;
using AlexNet.Experiments.Domain.Training;
using Mediator;

namespace AlexNet.Experiments.Application.Runs.GetRun;

public sealed record GetRunQuery(Guid RunId) : IQuery<RunDetails?>;

public sealed record RunDetails(
    Run Run,
    Hyperparameters Hyperparameters,
    HyperparameterRecord? Record,
    DatasetVersion? DatasetVersion,
    EvaluationResult? Evaluation,
    IReadOnlyList<Artifact> Artifacts,
    RunProgressFigures? Progress);

public sealed class GetRunHandler(IResultsStore store, RunProgressBoard progress) : IQueryHandler<GetRunQuery, RunDetails?>
{
    public async ValueTask<RunDetails?> Handle(GetRunQuery query, CancellationToken cancellationToken)
    {
        var run = await store.GetRunAsync(query.RunId, cancellationToken);
        if (run is null)
        {
            return null;
        }

        return new RunDetails(
            run,
            HyperparameterJson.FromJson(run.HyperparametersJson),
            await store.GetHyperparameterRecordAsync(run.Id, cancellationToken),
            run.DatasetVersionHash is { } hash ? await store.GetDatasetVersionAsync(hash, cancellationToken) : null,
            await store.GetEvaluationAsync(run.Id, cancellationToken),
            await store.ListArtifactsAsync(run.Id, cancellationToken),
            (run.IsFinished ? null : progress.Get(run.Id)) ?? await store.GetRunProgressAsync(run.Id, cancellationToken));
    }
}
