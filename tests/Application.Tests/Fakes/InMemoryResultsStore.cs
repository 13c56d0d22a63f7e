using System.Collections.Concurrent;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Storage;
using AlexNet.Experiments.Domain.Training;

namespace AlexNet.Experiments.Application.Tests.Fakes;

/// <summary>A results store in dictionaries, with the same idempotency rules as the SQLite one.</summary>
public sealed class InMemoryResultsStore
    : IDatasetStore, IPreprocessingCoordination, IExperimentStore, IRunStore, IRunProgressStore, IRunMetricsStore, IArtifactIndex
{
    public ConcurrentDictionary<Guid, Dataset> Datasets { get; } = new();
    public ConcurrentDictionary<string, DatasetVersion> Versions { get; } = new();
    public ConcurrentDictionary<Guid, Experiment> Experiments { get; } = new();
    public ConcurrentDictionary<Guid, Run> Runs { get; } = new();
    public ConcurrentDictionary<Guid, HyperparameterRecord> Records { get; } = new();
    public ConcurrentDictionary<(Guid, int), EpochMetrics> Metrics { get; } = new();
    public ConcurrentDictionary<Guid, EvaluationResult> Evaluations { get; } = new();
    public ConcurrentDictionary<(Guid, int, int), StepMetrics> Steps { get; } = new();

    /// <summary>How many times points were written, each call one round trip of the real store.</summary>
    public int StepWrites => stepWrites;

    private int stepWrites;
    public ConcurrentDictionary<(Guid, string), Artifact> Artifacts { get; } = new();

    public Task AddDatasetAsync(Dataset dataset, CancellationToken cancellationToken) => Done(Datasets[dataset.Id] = dataset);
    public Task<Dataset?> GetDatasetAsync(Guid datasetId, CancellationToken cancellationToken) => Task.FromResult(Datasets.GetValueOrDefault(datasetId));
    public Task<IReadOnlyList<Dataset>> ListDatasetsAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<Dataset>>(Datasets.Values.ToList());
    public Task<Dataset?> FindDatasetAsync(string sourcePath, DatasetFormat format, CancellationToken cancellationToken) =>
        Task.FromResult(Datasets.Values.Where(d => d.SourcePath == sourcePath && d.Format == format).OrderBy(d => d.CreatedAt).FirstOrDefault());
    public Task<IReadOnlyList<DatasetVersion>> ListDatasetVersionsAsync(Guid datasetId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<DatasetVersion>>(Versions.Values.Where(v => v.DatasetId == datasetId).OrderByDescending(v => v.CreatedAt).ToList());
    public Task<DatasetVersion?> GetDatasetVersionAsync(string contentHash, CancellationToken cancellationToken) => Task.FromResult(Versions.GetValueOrDefault(contentHash));
    public Task AddDatasetVersionAsync(DatasetVersion version, CancellationToken cancellationToken) => Done(Versions.TryAdd(version.ContentHash, version));

    private readonly object _shardLock = new();
    private readonly Dictionary<Guid, string> _waiting = [];
    private readonly Dictionary<(string Hash, int Index), (string? JobId, bool Done)> _shards = [];

    public Task<bool> StartPreprocessingAsync(Guid runId, string contentHash, int shards, CancellationToken cancellationToken)
    {
        lock (_shardLock)
        {
            _waiting[runId] = contentHash;
            if (_shards.Keys.Any(k => k.Hash == contentHash))
            {
                return Task.FromResult(false);
            }

            for (int i = 0; i < shards; i++)
            {
                _shards[(contentHash, i)] = (null, false);
            }

            return Task.FromResult(true);
        }
    }

    public Task<VersionPreprocessing?> GetPreprocessingAsync(Guid runId, CancellationToken cancellationToken)
    {
        lock (_shardLock)
        {
            if (!_waiting.TryGetValue(runId, out var hash))
            {
                return Task.FromResult<VersionPreprocessing?>(null);
            }

            var rows = _shards.Where(s => s.Key.Hash == hash).OrderBy(s => s.Key.Index).ToList();
            var merge = rows.Where(s => s.Key.Index == VersionPreprocessing.Merge).Select(s => s.Value).ToList();
            return Task.FromResult<VersionPreprocessing?>(new VersionPreprocessing(
                hash, [.. rows.Where(s => s.Key.Index >= 0).Select(s => new PreprocessShard(s.Key.Index, s.Value.JobId, s.Value.Done))],
                merge.Count == 1, merge.FirstOrDefault().JobId));
        }
    }

    public Task<IReadOnlyList<Guid>> ListRunsAwaitingVersionAsync(string contentHash, CancellationToken cancellationToken)
    {
        lock (_shardLock)
        {
            return Task.FromResult<IReadOnlyList<Guid>>(_waiting.Where(w => w.Value == contentHash && Runs.ContainsKey(w.Key))
                .Select(w => w.Key).OrderBy(id => Runs[id].CreatedAt).ToList());
        }
    }

    public Task SetPreprocessJobAsync(string contentHash, int shard, string jobId, CancellationToken cancellationToken)
    {
        lock (_shardLock)
        {
            if (_shards.TryGetValue((contentHash, shard), out var row))
            {
                _shards[(contentHash, shard)] = row with { JobId = jobId };
            }
        }

        return Task.CompletedTask;
    }

    public Task CompletePreprocessShardAsync(string contentHash, int shard, CancellationToken cancellationToken)
    {
        lock (_shardLock)
        {
            if (shard >= 0 && _shards.TryGetValue((contentHash, shard), out var row))
            {
                _shards[(contentHash, shard)] = row with { Done = true };
            }
        }

        return Task.CompletedTask;
    }

    public Task<bool> TryClaimPreprocessMergeAsync(string contentHash, CancellationToken cancellationToken)
    {
        lock (_shardLock)
        {
            var rows = _shards.Where(s => s.Key.Hash == contentHash).ToList();
            if (rows.Count == 0 || rows.Any(s => s.Key.Index < 0 || !s.Value.Done))
            {
                return Task.FromResult(false);
            }

            _shards[(contentHash, VersionPreprocessing.Merge)] = (null, false);
            return Task.FromResult(true);
        }
    }

    public Task AddExperimentAsync(Experiment experiment, Run run, CancellationToken cancellationToken)
    {
        Experiments[experiment.Id] = experiment;
        Runs[run.Id] = run;
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<ExperimentSummary>> ListExperimentsAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ExperimentSummary>>(Experiments.Values.OrderByDescending(e => e.CreatedAt)
            .Select(e => Runs.Values.Where(r => r.ExperimentId == e.Id).OrderBy(r => r.CreatedAt).Last() is var run ? new ExperimentSummary(e, run.Id, run.Status) : null!)
            .ToList());

    public Task AddRunAsync(Run run, CancellationToken cancellationToken) =>
        Experiments.ContainsKey(run.ExperimentId) ? Done(Runs[run.Id] = run) : throw new InvalidOperationException("No such experiment.");

    public Task<Experiment?> GetExperimentAsync(Guid experimentId, CancellationToken cancellationToken) => Task.FromResult(Experiments.GetValueOrDefault(experimentId));
    public Task<Run?> GetRunAsync(Guid runId, CancellationToken cancellationToken) => Task.FromResult(Runs.GetValueOrDefault(runId));
    public Task<IReadOnlyList<Run>> ListRunsAsync(Guid experimentId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<Run>>(Runs.Values.Where(r => r.ExperimentId == experimentId).ToList());
    public Task<IReadOnlyList<Run>> ListUnfinishedRunsAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<Run>>(Runs.Values.Where(r => !r.IsFinished).ToList());

    public Task<bool> TryAdvanceRunAsync(Run expected, Run updated, CancellationToken cancellationToken)
    {
        lock (Runs)
        {
            var stored = Runs[expected.Id];
            if (stored.Status != expected.Status || stored.EpochsCompleted != expected.EpochsCompleted || stored.UpdatedAt != expected.UpdatedAt)
            {
                return Task.FromResult(false);
            }

            Runs[expected.Id] = WithJob(updated, stored.CurrentJobId);
            return Task.FromResult(true);
        }
    }

    public Task SetRunJobAsync(Guid runId, string jobId, CancellationToken cancellationToken) =>
        Done(Runs[runId] = WithJob(Runs[runId], jobId));

    private static Run WithJob(Run run, string? jobId) => Run.Restore(
        run.Id, run.ExperimentId, run.Status, run.Hyperparameters, run.DatasetVersionHash, run.EpochsCompleted, jobId, run.Error, run.Divergence,
        run.SourceRunId, run.CreatedAt, run.UpdatedAt);

    public Task SaveHyperparameterRecordAsync(HyperparameterRecord record, CancellationToken cancellationToken)
    {
        var stored = Records.GetOrAdd(record.RunId, record);
        if (stored with { CreatedAt = record.CreatedAt } != record)
        {
            throw new InvalidOperationException("A different hyperparameter record exists for this run.");
        }

        return Task.CompletedTask;
    }

    public Task<HyperparameterRecord?> GetHyperparameterRecordAsync(Guid runId, CancellationToken cancellationToken) => Task.FromResult(Records.GetValueOrDefault(runId));
    public Task AddEpochMetricsAsync(EpochMetrics metrics, CancellationToken cancellationToken) => Done(Metrics.TryAdd((metrics.RunId, metrics.Epoch), metrics));
    public Task<IReadOnlyList<EpochMetrics>> GetEpochMetricsAsync(Guid runId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<EpochMetrics>>(Metrics.Values.Where(m => m.RunId == runId).OrderBy(m => m.Epoch).ToList());
    public Task AddStepMetricsAsync(IReadOnlyList<StepMetrics> points, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref stepWrites);
        foreach (var point in points)
        {
            Steps.TryAdd((point.RunId, point.Epoch, point.Batch), point);
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<StepMetrics>> GetStepMetricsAsync(Guid runId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<StepMetrics>>(Steps.Values.Where(p => p.RunId == runId).OrderBy(p => p.Epoch).ThenBy(p => p.Batch).ToList());
    public Task SaveEvaluationAsync(EvaluationResult result, CancellationToken cancellationToken) => Done(Evaluations.TryAdd(result.RunId, result));
    public Task<EvaluationResult?> GetEvaluationAsync(Guid runId, CancellationToken cancellationToken) => Task.FromResult(Evaluations.GetValueOrDefault(runId));
    public Task AddArtifactAsync(Artifact artifact, CancellationToken cancellationToken) => Done(Artifacts.TryAdd((artifact.RunId, artifact.Path), artifact));
    public Task<IReadOnlyList<Artifact>> ListArtifactsAsync(Guid runId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<Artifact>>(Artifacts.Values.Where(a => a.RunId == runId).OrderBy(a => a.CreatedAt).ToList());

    public ConcurrentDictionary<Guid, RunProgressFigures> Progress { get; } = new();

    // Searching is SQL's job (tested on SQLite); the fake answers only lookups by id, which the application's compare uses.
    public Task<RunSearchPage> SearchRunsAsync(RunSearch search, CancellationToken cancellationToken)
    {
        var runs = search.RunIds.Select(id => Runs.GetValueOrDefault(id)).OfType<Run>()
            .Select(run => new RunSummary(run, Experiments[run.ExperimentId].Name, Experiments[run.ExperimentId].DatasetId, [], null,
                new FinalMetrics(null, null, null, null, null, null, null, null, null, null, null, null), Progress.GetValueOrDefault(run.Id)))
            .ToList();
        return Task.FromResult(new RunSearchPage(runs, runs.Count));
    }

    public Task<bool> AnnotateRunAsync(Guid runId, IReadOnlyList<string>? tags, string? note, CancellationToken cancellationToken) =>
        Task.FromResult(Runs.ContainsKey(runId));

    public Task SaveRunProgressAsync(Guid runId, RunProgressFigures progress, CancellationToken cancellationToken) => Done(Progress[runId] = progress);
    public Task<RunProgressFigures?> GetRunProgressAsync(Guid runId, CancellationToken cancellationToken) => Task.FromResult(Progress.GetValueOrDefault(runId));

    public Task DeleteRunAsync(Guid runId, CancellationToken cancellationToken)
    {
        Runs.TryRemove(runId, out _);
        foreach (var key in Artifacts.Keys.Where(k => k.Item1 == runId))
        {
            Artifacts.TryRemove(key, out _);
        }

        return Task.CompletedTask;
    }

    public Task DeleteExperimentAsync(Guid experimentId, CancellationToken cancellationToken) => Done(Experiments.TryRemove(experimentId, out _));

    public Task<DatasetDeletion?> TryDeleteDatasetAsync(Guid datasetId, CancellationToken cancellationToken) =>
        Task.FromResult(!Experiments.Values.Any(e => e.DatasetId == datasetId) && Datasets.TryRemove(datasetId, out _)
            ? new DatasetDeletion([.. Versions.Values.Where(v => v.DatasetId == datasetId).Select(v => v.ContentHash)])
            : null);

    public Task RemoveArtifactAsync(Guid runId, string path, CancellationToken cancellationToken) => Done(Artifacts.TryRemove((runId, path), out _));

    private static Task Done<T>(T _) => Task.CompletedTask;
}
