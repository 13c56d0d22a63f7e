using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Application.Runs.SearchRuns;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Storage;
using AlexNet.Experiments.Domain.Training;
using Mediator;

namespace AlexNet.Experiments.Application.Runs.GetRun;

public sealed record GetRunQuery(Guid RunId) : IQuery<RunDetails?>;

/// <summary>A run for a reader: the hyperparameters once, the record's facts beside them, and no server paths.</summary>
public sealed record RunDetails(
    RunListItem Run,
    Hyperparameters Hyperparameters,
    RunRecord? Record,
    DatasetVersionView? DatasetVersion,
    EvaluationResult? Evaluation,
    IReadOnlyList<ArtifactView> Artifacts);

/// <summary>The reproducibility record without its canonical JSON, which is <see cref="RunDetails.Hyperparameters"/>.</summary>
public sealed record RunRecord(
    string Sha256, int Seed, string DatasetVersionHash, int ClassCount, string CodeVersion, string TorchSharpVersion, string LibTorchVersion,
    string Device, DateTimeOffset CreatedAt)
{
    public static RunRecord From(HyperparameterRecord r) =>
        new(r.Sha256, r.Seed, r.DatasetVersionHash, r.ClassCount, r.CodeVersion, r.TorchSharpVersion, r.LibTorchVersion, r.Device, r.CreatedAt);
}

public sealed record DatasetVersionView(
    string ContentHash, Guid DatasetId, int ImageSize, IReadOnlyList<string> ClassNames, int TrainCount, int ValidationCount, int SkippedCount,
    ColourPca ColourPca, DateTimeOffset CreatedAt)
{
    public static DatasetVersionView From(DatasetVersion v) =>
        new(v.ContentHash, v.DatasetId, v.Settings.ImageSize, v.ClassNames, v.TrainCount, v.ValidationCount, v.SkippedCount, v.ColourPca, v.CreatedAt);
}

/// <summary>A file a run wrote, by name; <see cref="DownloadUrl"/> serves it.</summary>
public sealed record ArtifactView(string Name, string Kind, string Sha256, long Bytes, DateTimeOffset CreatedAt, string DownloadUrl)
{
    public static ArtifactView From(Artifact a)
    {
        var name = a.Name;
        return new ArtifactView(name, a.Kind, a.Sha256, a.Bytes, a.CreatedAt, $"/api/runs/{a.RunId}/artifacts/{Uri.EscapeDataString(name)}");
    }
}

public sealed class GetRunHandler(IDatasetStore datasetStore, IRunStore runStore, IRunMetricsStore metricsStore, IArtifactIndex artifactIndex) : IQueryHandler<GetRunQuery, RunDetails?>
{
    public async ValueTask<RunDetails?> Handle(GetRunQuery query, CancellationToken cancellationToken)
    {
        var summary = (await runStore.SearchRunsAsync(new RunSearch { RunIds = [query.RunId], Limit = 1 }, cancellationToken)).Runs.SingleOrDefault();
        if (summary is null)
        {
            return null;
        }

        var run = summary.Run;
        return new RunDetails(
            RunListItem.From(summary),
            run.Hyperparameters,
            await runStore.GetHyperparameterRecordAsync(run.Id, cancellationToken) is { } record ? RunRecord.From(record) : null,
            run.DatasetVersionHash is { } hash && await datasetStore.GetDatasetVersionAsync(hash, cancellationToken) is { } version ? DatasetVersionView.From(version) : null,
            await metricsStore.GetEvaluationAsync(run.Id, cancellationToken),
            (await artifactIndex.ListArtifactsAsync(run.Id, cancellationToken)).Select(ArtifactView.From).ToList());
    }
}
