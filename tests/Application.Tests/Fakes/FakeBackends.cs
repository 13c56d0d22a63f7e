using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Jobs;
using AlexNet.Experiments.Domain.Storage;
using AlexNet.Experiments.Domain.Training;

namespace AlexNet.Experiments.Application.Tests.Fakes;

/// <summary>Queues steps instead of running them, so a test decides when (and how often) each step executes.</summary>
public sealed class QueueingJobScheduler : IJobScheduler
{
    private int nextId;
    public Queue<(string JobId, RunStep Step)> Pending { get; } = new();
    public List<RunStep> Enqueued { get; } = [];
    public List<JobPlacement> Placements { get; } = [];

    public string Enqueue(RunStep step, JobPlacement placement)
    {
        Placements.Add(placement);
        var id = $"job-{++nextId}";
        Pending.Enqueue((id, step));
        Enqueued.Add(step);
        return id;
    }

    public bool IsAlive(string jobId) => Pending.Any(p => p.JobId == jobId);

    public List<string> Abandoned { get; } = [];

    public void Abandon(string jobId) => Abandoned.Add(jobId);
}

/// <summary>
/// Versions named after the dataset and image size. With <see cref="Shards"/> set, a version is new until merged: the plan asks
/// for that many shards, and the merge publishes it once every shard ran.
/// </summary>
public sealed class FakePreprocessor : IDatasetPreprocessor
{
    private readonly HashSet<string> _published = [];
    private readonly Dictionary<string, DatasetVersion> _planned = [];
    private readonly List<(string Hash, int Shard)> _shardsRun = [];

    public int Calls { get; private set; }

    public int Shards { get; set; }

    public IReadOnlyList<(string Hash, int Shard)> ShardsRun => _shardsRun;

    public int Merges { get; private set; }

    public Exception? MergeFailure { get; set; }

    public Task<PreprocessingPlan> PlanAsync(Dataset dataset, PreprocessingSettings settings, string storeRoot, IProgress<PreprocessingProgress>? progress, CancellationToken cancellationToken)
    {
        Calls++;
        var version = Version(dataset, settings, storeRoot);
        _planned[version.ContentHash] = version;
        return Task.FromResult(Shards == 0 || _published.Contains(version.ContentHash)
            ? new PreprocessingPlan(version.ContentHash, 0, version)
            : new PreprocessingPlan(version.ContentHash, Shards, null));
    }

    public Task PreprocessShardAsync(Dataset dataset, string storeRoot, string contentHash, int shard, IProgress<PreprocessingProgress>? progress, CancellationToken cancellationToken)
    {
        lock (_shardsRun)
        {
            _shardsRun.Add((contentHash, shard));
        }

        return Task.CompletedTask;
    }

    public Task<DatasetVersion> MergeAsync(Dataset dataset, string storeRoot, string contentHash, CancellationToken cancellationToken)
    {
        if (Enumerable.Range(0, Shards).Any(i => !_shardsRun.Contains((contentHash, i))))
        {
            throw new InvalidOperationException($"Merging {contentHash} before every shard ran.");
        }

        Merges++;
        if (MergeFailure is { } failure)
        {
            throw failure;
        }

        _published.Add(contentHash);
        return Task.FromResult(_planned[contentHash] with { DatasetId = dataset.Id });
    }

    public Task<DatasetVersion> PreprocessAsync(Dataset dataset, PreprocessingSettings settings, string storeRoot, IProgress<PreprocessingProgress>? progress, CancellationToken cancellationToken)
    {
        Calls++;
        return Task.FromResult(Version(dataset, settings, storeRoot));
    }

    private static DatasetVersion Version(Dataset dataset, PreprocessingSettings settings, string storeRoot) => new(
        $"hash-of-{dataset.Name}-{settings.ImageSize}", dataset.Id, settings, ["a", "b", "c"], 30, 9, [new SkippedFile("train/a/bad.jpg", "not a decodable JPEG or PNG image")], null,
        new ColourPca([3, 2, 1], [1, 0, 0, 0, 1, 0, 0, 0, 1]), Path.Combine(storeRoot, "x"), DateTimeOffset.UnixEpoch);
}

/// <summary>Admits the paths in <see cref="Valid"/> (as their resolved form), refuses every other with one message.</summary>
public sealed class FakeDatasetSources : IDatasetSources
{
    public Dictionary<string, string> Valid { get; } = [];

    public Task<DatasetSourceCheck> CheckAsync(string requestedPath, DatasetFormat format, CancellationToken cancellationToken) =>
        Task.FromResult(Valid.TryGetValue(requestedPath, out var resolved)
            ? DatasetSourceCheck.Valid(resolved)
            : DatasetSourceCheck.Invalid($"No dataset folder '{requestedPath}' under the configured dataset roots."));

    public DatasetSize Size { get; set; } = new(2, 100);

    public Task<DatasetSize> MeasureAsync(Dataset dataset, CancellationToken cancellationToken) => Task.FromResult(Size);

    public Task<IReadOnlyList<SourceFolder>> ListFoldersAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<SourceFolder>>([.. Valid.Values.Distinct().Order().Select(path => new SourceFolder(path, "/data", DatasetFormat.ImageFolder))]);
}

public sealed class FakeSyntheticDatasetGenerator : ISyntheticDatasetGenerator
{
    public Task<string> GenerateAsync(SyntheticDatasetSpec spec, string outputPath, CancellationToken cancellationToken) => Task.FromResult(outputPath);

    public bool CanWriteTo(string outputPath, SyntheticDatasetSpec spec) => true;
}

/// <summary>
/// Validation error falls by a fixed amount per epoch, so schedules and results are predictable. An epoch is five batches of ten
/// images; a paused call stops after one more batch than the call before, and every call reports the epoch's step points up to
/// where it stops, as the real trainer does.
/// </summary>
public sealed class FakeTrainer : ITrainer
{
    public const int BatchesPerEpoch = 5, ImagesPerBatch = 10;

    /// <summary>The training seconds each finished epoch reports.</summary>
    public const double EpochSeconds = 7;

    public List<TrainingRequest> Requests { get; } = [];
    public Func<TrainingRequest, Exception?> Failure { get; set; } = _ => null;

    /// <summary>Runs while an epoch is "training", e.g. to start a second execution of the same step.</summary>
    public Func<TrainingRequest, Task>? WhileTraining { get; set; }

    /// <summary>How many calls per epoch end with the time budget spent, before the call that finishes the epoch.</summary>
    public int PausesPerEpoch { get; set; }

    public List<TrainingRequest> Pauses { get; } = [];

    public async Task<EpochOutcome?> TrainEpochAsync(TrainingRequest request, CancellationToken cancellationToken)
    {
        if (WhileTraining is { } whileTraining)
        {
            WhileTraining = null;
            await whileTraining(request);
        }

        int paused = Pauses.Count(p => p.Epoch == request.Epoch);
        if (paused < PausesPerEpoch)
        {
            Pauses.Add(request);
            ReportPoints(request, lastBatch: paused + 1);
            return null;
        }

        if (Failure(request) is { } failure)
        {
            throw failure;
        }

        ReportPoints(request, BatchesPerEpoch);

        Requests.Add(request);
        double error = Math.Max(0.1, 0.9 - 0.1 * request.Epoch);
        var metrics = new EpochMetrics(request.RunId, request.Epoch, 2.0 / request.Epoch, error, error / 2, 2.0 / request.Epoch, error, error / 2,
            request.LearningRate, 1000, DateTimeOffset.UnixEpoch)
        {
            TrainSeconds = EpochSeconds,
        };
        return new EpochOutcome(metrics, Path.Combine(request.CheckpointDirectory, $"epoch-{request.Epoch:D3}.ckpt"));
    }

    /// <summary>The point after <paramref name="batch"/>: its loss is 2 / epoch plus the batch in hundredths.</summary>
    public static StepMetrics Point(TrainingRequest request, int batch) => new(
        request.RunId, request.Epoch, batch, ((long)((request.Epoch - 1) * BatchesPerEpoch) + batch) * ImagesPerBatch,
        (2.0 / request.Epoch) + (batch / 100.0), 0.5, 0.25, request.Steps.SecondsBefore + batch);

    private static void ReportPoints(TrainingRequest request, int lastBatch)
    {
        for (int batch = 1; batch <= lastBatch; batch++)
        {
            if (batch % request.Steps.Batches == 0 || batch == BatchesPerEpoch)
            {
                request.Steps.Points?.Report(Point(request, batch));
            }
        }
    }
}

/// <summary>Keeps each export: the run, the points given, and how many epochs the store had recorded at that moment.</summary>
public sealed class FakeStepCurveExport(InMemoryResultsStore store) : IStepCurveExport
{
    public List<(Guid RunId, IReadOnlyList<StepMetrics> Points, int EpochsRecorded)> Exports { get; } = [];

    public Task ExportAsync(Guid runId, IReadOnlyList<StepMetrics> stored, CancellationToken cancellationToken)
    {
        Exports.Add((runId, stored, store.Metrics.Keys.Count(k => k.Item1 == runId)));
        return Task.CompletedTask;
    }

    public IReadOnlyList<string> ListFiles(Guid runId) => [.. Exports.Where(e => e.RunId == runId).Select((_, i) => $"/fake/runs/{runId}/tensorboard/{i}")];
}

public sealed class FakeEvaluator : IEvaluator
{
    public List<EvaluationRequest> Requests { get; } = [];

    public Task<EvaluationResult> EvaluateAsync(EvaluationRequest request, CancellationToken cancellationToken)
    {
        Requests.Add(request);
        return Task.FromResult(new EvaluationResult(request.RunId, EvaluationCrops.TenCrop, 9, 0.5, 0.25, 0.0, [1, 0.5, 0.75], [[3, 0, 0], [1, 2, 0], [0, 1, 2]], DateTimeOffset.UnixEpoch));
    }
}

public sealed class FakeArtifactStore : IArtifactStore
{
    public string DatasetStoreRoot => "/fake/datasets";

    public string GetRunDirectory(Guid runId) => $"/fake/runs/{runId}";

    public Task<Artifact> DescribeAsync(Guid runId, string kind, string path, CancellationToken cancellationToken) =>
        Task.FromResult(new Artifact(runId, kind, path, new string('0', 64), 1, DateTimeOffset.UnixEpoch));

    public List<string> Deleted { get; } = [];

    public void Delete(Artifact artifact) => Deleted.Add(artifact.Path);

    public void DeleteRunFiles(Guid runId) => Deleted.Add(GetRunDirectory(runId));

    public void DeleteDatasetVersionFiles(string contentHash) => Deleted.Add(Path.Combine(DatasetStoreRoot, contentHash));

    public long? MeasureDatasetVersion(DatasetVersion version) => 1000;
}

public sealed class FakeRuntime : IRuntimeEnvironment
{
    public IReadOnlyList<string> AvailableDevices { get; init; } = ["cpu"];

    public RuntimeFacts Describe(ModelHyperparameters model) => new("test", "0.0.0", "0.0.0", string.Join(",", model.Devices));
}

public sealed class FakeModelInspector : IModelInspector
{
    public ModelSummary Describe(ModelHyperparameters model, int classCount) =>
        new([new LayerSummary("fc8", [1, classCount], classCount, model.Devices[0])], classCount);
}
