using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Training;

namespace AlexNet.Experiments.Domain.Storage;

/// <summary>Registered datasets and the versions preprocessed from them.</summary>
public interface IDatasetStore
{
    Task AddDatasetAsync(Dataset dataset, CancellationToken cancellationToken);
    Task<Dataset?> GetDatasetAsync(Guid datasetId, CancellationToken cancellationToken);
    Task<IReadOnlyList<Dataset>> ListDatasetsAsync(CancellationToken cancellationToken);

    /// <summary>The dataset registered for this resolved source path and format, if any.</summary>
    Task<Dataset?> FindDatasetAsync(string sourcePath, DatasetFormat format, CancellationToken cancellationToken);

    /// <summary>The versions preprocessed from a dataset, newest first.</summary>
    Task<IReadOnlyList<DatasetVersion>> ListDatasetVersionsAsync(Guid datasetId, CancellationToken cancellationToken);

    Task<DatasetVersion?> GetDatasetVersionAsync(string contentHash, CancellationToken cancellationToken);

    /// <summary>Idempotent: a version with the same hash is left as it is.</summary>
    Task AddDatasetVersionAsync(DatasetVersion version, CancellationToken cancellationToken);

    /// <summary>
    /// Removes the dataset and its versions unless an experiment uses it (null, and nothing removed). A version another dataset's
    /// runs trained on (the same content in another folder) passes to that dataset instead.
    /// </summary>
    Task<DatasetDeletion?> TryDeleteDatasetAsync(Guid datasetId, CancellationToken cancellationToken);
}

/// <summary>The content hashes whose preprocessed files are no longer any dataset's: the caller deletes them from disk.</summary>
public sealed record DatasetDeletion(IReadOnlyList<string> ForgottenVersions);

/// <summary>Which runs wait for which dataset version, and its shards and merge: the coordination of sharded preprocessing.</summary>
public interface IPreprocessingCoordination
{
    /// <summary>
    /// Records that the run waits for version <paramref name="contentHash"/>, and adds its <paramref name="shards"/> shards unless
    /// some run added them before. True when this call added them: its caller queues them; any other waits for them.
    /// </summary>
    Task<bool> StartPreprocessingAsync(Guid runId, string contentHash, int shards, CancellationToken cancellationToken);

    /// <summary>The version the run waits for, with its shards; null when the run never waited for shards.</summary>
    Task<VersionPreprocessing?> GetPreprocessingAsync(Guid runId, CancellationToken cancellationToken);

    /// <summary>Every run that waits (or waited) for the version, oldest first.</summary>
    Task<IReadOnlyList<Guid>> ListRunsAwaitingVersionAsync(string contentHash, CancellationToken cancellationToken);

    /// <summary>Records the job queued for a shard, or for the merge with <see cref="VersionPreprocessing.Merge"/>.</summary>
    Task SetPreprocessJobAsync(string contentHash, int shard, string jobId, CancellationToken cancellationToken);

    /// <summary>Marks the shard's part as written. Idempotent.</summary>
    Task CompletePreprocessShardAsync(string contentHash, int shard, CancellationToken cancellationToken);

    /// <summary>True for exactly one caller, and only once every shard is done: that caller queues the merge.</summary>
    Task<bool> TryClaimPreprocessMergeAsync(string contentHash, CancellationToken cancellationToken);
}

/// <summary>Experiments: a name, a dataset and a preset, and the runs made of them.</summary>
public interface IExperimentStore
{
    /// <summary>Adds the experiment and its first run in one transaction.</summary>
    Task AddExperimentAsync(Experiment experiment, Run run, CancellationToken cancellationToken);
    Task<IReadOnlyList<ExperimentSummary>> ListExperimentsAsync(CancellationToken cancellationToken);
    Task<Experiment?> GetExperimentAsync(Guid experimentId, CancellationToken cancellationToken);

    /// <summary>Removes the experiment; its runs must have been deleted first.</summary>
    Task DeleteExperimentAsync(Guid experimentId, CancellationToken cancellationToken);
}

/// <summary>Runs: their state, written only by compare-and-set, and what is asked of them across runs.</summary>
public interface IRunStore
{
    /// <summary>Adds another run to an existing experiment (e.g. a reproduction of an earlier run).</summary>
    Task AddRunAsync(Run run, CancellationToken cancellationToken);

    Task<Run?> GetRunAsync(Guid runId, CancellationToken cancellationToken);
    Task<IReadOnlyList<Run>> ListRunsAsync(Guid experimentId, CancellationToken cancellationToken);
    Task<IReadOnlyList<Run>> ListUnfinishedRunsAsync(CancellationToken cancellationToken);

    /// <summary>Filters, orders and pages in the database; <see cref="RunSearchPage.Total"/> counts every match.</summary>
    Task<RunSearchPage> SearchRunsAsync(RunSearch search, CancellationToken cancellationToken);

    /// <summary>Replaces the run's tags and/or note (null leaves that one as it is). False when the run does not exist.</summary>
    Task<bool> AnnotateRunAsync(Guid runId, IReadOnlyList<string>? tags, string? note, CancellationToken cancellationToken);

    /// <summary>Removes the run and every row that belongs to it (record, metrics, evaluation, artifacts, tags). Not its files.</summary>
    Task DeleteRunAsync(Guid runId, CancellationToken cancellationToken);

    /// <summary>
    /// The only write of a run's state, and a compare-and-set: writes <paramref name="updated"/>'s status, dataset version, epochs
    /// completed, error, divergence and update time, but only while the stored run still has <paramref name="expected"/>'s status,
    /// epochs completed and update time. False means another execution got there first. The job id is written only by
    /// <see cref="SetRunJobAsync"/>.
    /// </summary>
    Task<bool> TryAdvanceRunAsync(Run expected, Run updated, CancellationToken cancellationToken);

    /// <summary>
    /// Records the scheduler job that carries the run's next step, touching no other field, not even the update time: the job may
    /// already be running, and the update time is its compare-and-set token.
    /// </summary>
    Task SetRunJobAsync(Guid runId, string jobId, CancellationToken cancellationToken);

    /// <summary>Writes the record once. Writing an identical record again is a no-op; a different one throws.</summary>
    Task SaveHyperparameterRecordAsync(HyperparameterRecord record, CancellationToken cancellationToken);
    Task<HyperparameterRecord?> GetHyperparameterRecordAsync(Guid runId, CancellationToken cancellationToken);
}

/// <summary>
/// A run's live progress, kept where every process sees it: the step writes its figures every second or so, and any process
/// serving the API reads them. The last figures outlive the run.
/// </summary>
public interface IRunProgressStore
{
    Task SaveRunProgressAsync(Guid runId, RunProgressFigures progress, CancellationToken cancellationToken);
    Task<RunProgressFigures?> GetRunProgressAsync(Guid runId, CancellationToken cancellationToken);
}

/// <summary>What a run measured: each epoch's figures, the step-level points within epochs, and the final evaluation.</summary>
public interface IRunMetricsStore
{
    /// <summary>Idempotent per (run, epoch): an epoch already recorded is left as it is.</summary>
    Task AddEpochMetricsAsync(EpochMetrics metrics, CancellationToken cancellationToken);
    Task<IReadOnlyList<EpochMetrics>> GetEpochMetricsAsync(Guid runId, CancellationToken cancellationToken);

    /// <summary>
    /// Idempotent per (run, epoch, batch): a point already recorded is left as it is. The points may belong to several runs; they
    /// are written in one transaction.
    /// </summary>
    Task AddStepMetricsAsync(IReadOnlyList<StepMetrics> points, CancellationToken cancellationToken);

    /// <summary>The run's step-level points by epoch and batch.</summary>
    Task<IReadOnlyList<StepMetrics>> GetStepMetricsAsync(Guid runId, CancellationToken cancellationToken);

    /// <summary>Idempotent per run.</summary>
    Task SaveEvaluationAsync(EvaluationResult result, CancellationToken cancellationToken);
    Task<EvaluationResult?> GetEvaluationAsync(Guid runId, CancellationToken cancellationToken);
}

/// <summary>The index of the files a run produced (checkpoints, features): which exist, of what kind and epoch.</summary>
public interface IArtifactIndex
{
    /// <summary>Idempotent per (run, path).</summary>
    Task AddArtifactAsync(Artifact artifact, CancellationToken cancellationToken);
    Task<IReadOnlyList<Artifact>> ListArtifactsAsync(Guid runId, CancellationToken cancellationToken);
    Task RemoveArtifactAsync(Guid runId, string path, CancellationToken cancellationToken);
}

public sealed record ExperimentSummary(Experiment Experiment, Guid LatestRunId, RunStatus LatestRunStatus);

/// <summary>Files a run produces (checkpoints), kept under the data folder and identified by SHA-256.</summary>
public interface IArtifactStore
{
    /// <summary>The folder where a run writes its files; created if missing.</summary>
    string GetRunDirectory(Guid runId);

    /// <summary>Folder holding the preprocessed dataset versions.</summary>
    string DatasetStoreRoot { get; }

    Task<Artifact> DescribeAsync(Guid runId, string kind, string path, CancellationToken cancellationToken);

    /// <summary>Removes the run's folder and everything in it; nothing happens if it does not exist.</summary>
    void DeleteRunFiles(Guid runId);

    /// <summary>Removes a preprocessed version's folder and any shard or temporary folders of its content hash.</summary>
    void DeleteDatasetVersionFiles(string contentHash);

    /// <summary>Bytes the version's files take on disk; null when its folder is missing.</summary>
    long? MeasureDatasetVersion(DatasetVersion version);

    /// <summary>
    /// Removes one artifact's file (e.g. a checkpoint the retention setting no longer keeps) and its sidecars: the files beside it
    /// named as it is but for the extension, such as a checkpoint's <c>.metrics.json</c>.
    /// </summary>
    void Delete(Artifact artifact);
}
