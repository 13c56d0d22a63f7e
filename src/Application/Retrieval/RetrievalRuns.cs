using System.Collections.Concurrent;
using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Application.Runs.GetRun;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Retrieval;
using AlexNet.Experiments.Domain.Storage;
using AlexNet.Experiments.Domain.Training;

namespace AlexNet.Experiments.Application.Retrieval;

/// <summary>A succeeded run with what retrieval needs: the evaluated checkpoint, the dataset version, and the run's artifacts.</summary>
public sealed record TrainedRun(Run Run, ModelCheckpoint Checkpoint, DatasetVersion Dataset, IReadOnlyList<Artifact> Artifacts);

/// <summary>The split names the API uses (<c>train</c>, <c>val</c>) and the artifact kinds that hold a split's features.</summary>
public static class Splits
{
    public const string Train = "train", Validation = "val";

    public static bool TryParse(string? name, out DatasetSplit split)
    {
        split = name switch { Train => DatasetSplit.Train, Validation or "validation" => DatasetSplit.Validation, _ => (DatasetSplit)(-1) };
        return Enum.IsDefined(split);
    }

    public static string Name(DatasetSplit split) => split == DatasetSplit.Train ? Train : Validation;

    public static int Count(DatasetVersion version, DatasetSplit split) => split == DatasetSplit.Train ? version.TrainCount : version.ValidationCount;

    public static string FeaturesKind(DatasetSplit split) => $"features-{Name(split)}";

    public static string LabelsKind(DatasetSplit split) => $"feature-labels-{Name(split)}";

    public static string IndicesKind(DatasetSplit split) => $"feature-indices-{Name(split)}";

    public static string ImageUrl(Guid runId, DatasetSplit split, int index) => $"/api/runs/{runId}/images/{Name(split)}/{index}.png";

    public static string FeaturesUrl(Guid runId, DatasetSplit split) => $"/api/runs/{runId}/features/{Name(split)}";
}

/// <summary>Succeeded runs as retrieval reads them.</summary>
public sealed class TrainedRuns(IDatasetStore datasetStore, IRunStore runStore, IArtifactIndex artifactIndex)
{
    /// <summary>The run ready for retrieval; 404 when unknown, 409 (<see cref="ConflictException"/>) unless it succeeded with its last checkpoint.</summary>
    public async Task<TrainedRun> ResolveAsync(Guid runId, CancellationToken cancellationToken)
    {
        var run = await runStore.GetRunAsync(runId, cancellationToken) ?? throw new NotFoundException("Run", runId);
        if (run.Status != RunStatus.Succeeded)
        {
            throw new ConflictException($"Run {run.Id} is {run.Status}: only a Succeeded run has features to search.");
        }

        var record = await runStore.GetHyperparameterRecordAsync(run.Id, cancellationToken)
            ?? throw new ConflictException($"Run {run.Id} has no hyperparameter record.");
        var version = run.DatasetVersionHash is { } hash ? await datasetStore.GetDatasetVersionAsync(hash, cancellationToken) : null;
        if (version is null)
        {
            throw new ConflictException($"Run {run.Id} has no preprocessed dataset version.");
        }

        var artifacts = await artifactIndex.ListArtifactsAsync(run.Id, cancellationToken);
        // The checkpoint evaluation used: the one of the last epoch, by its recorded epoch number.
        var checkpoint = artifacts.SingleOrDefault(a => a.Kind == Artifact.CheckpointKind && a.Epoch == run.EpochsCompleted)
            ?? throw new ConflictException($"Run {run.Id} has no checkpoint of its last epoch ({run.EpochsCompleted}).");
        return new TrainedRun(
            run, new ModelCheckpoint(run.Id, HyperparameterJson.FromJson(record.CanonicalJson), record.ClassCount, run.EpochsCompleted, checkpoint.Path),
            version, artifacts);
    }
}

public static class RetrievalRuns
{
    /// <summary>The split's three feature artifacts, or null while any is missing.</summary>
    public static (FeatureFiles Files, IReadOnlyList<Artifact> Artifacts)? Features(IReadOnlyList<Artifact> artifacts, DatasetSplit split)
    {
        var features = artifacts.FirstOrDefault(a => a.Kind == Splits.FeaturesKind(split));
        var labels = artifacts.FirstOrDefault(a => a.Kind == Splits.LabelsKind(split));
        var indices = artifacts.FirstOrDefault(a => a.Kind == Splits.IndicesKind(split));
        return features is null || labels is null || indices is null
            ? null
            : (new FeatureFiles(features.Path, labels.Path, indices.Path), [features, labels, indices]);
    }
}

/// <summary>The state of a split's features: <c>pending</c> (a job is queued or running), <c>done</c>, or <c>failed</c>.</summary>
public sealed record FeatureStatus(
    Guid RunId, string Split, string State, int? Count, int? Dimension, int CheckpointEpoch, string? Error, IReadOnlyList<ArtifactView> Artifacts, string StatusUrl)
{
    public const string Pending = "pending", Done = "done", Failed = "failed";

    public static async Task<FeatureStatus?> ReadAsync(
        TrainedRun run, DatasetSplit split, INeighbourIndex index, FeatureExtractionBoard board, Domain.Jobs.IJobScheduler scheduler, CancellationToken cancellationToken)
    {
        string url = Splits.FeaturesUrl(run.Run.Id, split);
        if (RetrievalRuns.Features(run.Artifacts, split) is { } done)
        {
            var set = await index.DescribeAsync(split, done.Files, cancellationToken);
            return new FeatureStatus(run.Run.Id, Splits.Name(split), Done, set.Count, set.Dimension, run.Checkpoint.Epoch, null,
                done.Artifacts.Select(ArtifactView.From).ToList(), url);
        }

        return board.Get(run.Run.Id, split) switch
        {
            { Error: { } error } => new FeatureStatus(run.Run.Id, Splits.Name(split), Failed, null, null, run.Checkpoint.Epoch, error, [], url),
            { } job when scheduler.IsAlive(job.JobId) => new FeatureStatus(run.Run.Id, Splits.Name(split), Pending, null, null, run.Checkpoint.Epoch, null, [], url),
            _ => null,
        };
    }
}

/// <summary>
/// The extraction jobs this process queued, by (run, split), and why one failed. Finished features are artifacts in the store;
/// only the short-lived pending and failed states live here, so after a restart a POST simply queues the job again.
/// </summary>
public sealed class FeatureExtractionBoard
{
    private readonly ConcurrentDictionary<(Guid, DatasetSplit), Entry> entries = new();

    public sealed record Entry(string JobId, string? Error);

    public Entry? Get(Guid runId, DatasetSplit split) => entries.TryGetValue((runId, split), out var entry) ? entry : null;

    public void Queued(Guid runId, DatasetSplit split, string jobId) => entries[(runId, split)] = new Entry(jobId, null);

    public void Failed(Guid runId, DatasetSplit split, string error) =>
        entries.AddOrUpdate((runId, split), _ => new Entry("", error), (_, entry) => entry with { Error = error });
}
