using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Training;

namespace AlexNet.Experiments.Domain.Storage;

/// <summary>The source of truth for datasets, experiments, runs and their results. Shaped by what the application asks.</summary>
public interface IResultsStore
{
    Task AddDatasetAsync(Dataset dataset, CancellationToken cancellationToken);
    Task<Dataset?> GetDatasetAsync(Guid datasetId, CancellationToken cancellationToken);
    Task<IReadOnlyList<Dataset>> ListDatasetsAsync(CancellationToken cancellationToken);

    Task<DatasetVersion?> GetDatasetVersionAsync(string contentHash, CancellationToken cancellationToken);

    /// <summary>Idempotent: a version with the same hash is left as it is.</summary>
    Task AddDatasetVersionAsync(DatasetVersion version, CancellationToken cancellationToken);

    /// <summary>Adds the experiment and its first run in one transaction.</summary>
    Task AddExperimentAsync(Experiment experiment, Run run, CancellationToken cancellationToken);
    Task<IReadOnlyList<ExperimentSummary>> ListExperimentsAsync(CancellationToken cancellationToken);
    Task<Experiment?> GetExperimentAsync(Guid experimentId, CancellationToken cancellationToken);

    /// <summary>Adds another run to an existing experiment (e.g. a reproduction of an earlier run).</summary>
    Task AddRunAsync(Run run, CancellationToken cancellationToken);

    Task<Run?> GetRunAsync(Guid runId, CancellationToken cancellationToken);
    Task<IReadOnlyList<Run>> ListRunsAsync(Guid experimentId, CancellationToken cancellationToken);
    Task<IReadOnlyList<Run>> ListUnfinishedRunsAsync(CancellationToken cancellationToken);

    /// <summary>Filters, orders and pages in the database; <see cref="RunSearchPage.Total"/> counts every match.</summary>
    Task<RunSearchPage> SearchRunsAsync(RunSearch search, CancellationToken cancellationToken);

    /// <summary>Replaces the run's tags and/or note (null leaves that one as it is). False when the run does not exist.</summary>
    Task<bool> AnnotateRunAsync(Guid runId, IReadOnlyList<string>? tags, string? note, CancellationToken cancellationToken);

    Task SaveRunProgressAsync(Guid runId, RunProgressFigures progress, CancellationToken cancellationToken);
    Task<RunProgressFigures?> GetRunProgressAsync(Guid runId, CancellationToken cancellationToken);

    /// <summary>Removes the run and every row that belongs to it (record, metrics, evaluation, artifacts, tags). Not its files.</summary>
    Task DeleteRunAsync(Guid runId, CancellationToken cancellationToken);

    /// <summary>Removes the experiment; its runs must have been deleted first.</summary>
    Task DeleteExperimentAsync(Guid experimentId, CancellationToken cancellationToken);

    /// <summary>Removes the dataset and its versions unless an experiment uses it; false (and nothing removed) if one does.</summary>
    Task<bool> TryDeleteDatasetAsync(Guid datasetId, CancellationToken cancellationToken);
    /// <summary>Writes status, dataset version, epochs completed, error and update time. The job id is written only by <see cref="SetRunJobAsync"/>.</summary>
    Task UpdateRunAsync(Run run, CancellationToken cancellationToken);

    /// <summary>
    /// Compare-and-set: writes <paramref name="updated"/> as <see cref="UpdateRunAsync"/> does, but only while the stored run still has
    /// <paramref name="expected"/>'s status, epochs completed and update time. False means another execution of the same step got there first.
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

    /// <summary>Idempotent per (run, epoch): an epoch already recorded is left as it is.</summary>
    Task AddEpochMetricsAsync(EpochMetrics metrics, CancellationToken cancellationToken);
    Task<IReadOnlyList<EpochMetrics>> GetEpochMetricsAsync(Guid runId, CancellationToken cancellationToken);

    /// <summary>Idempotent per run.</summary>
    Task SaveEvaluationAsync(EvaluationResult result, CancellationToken cancellationToken);
    Task<EvaluationResult?> GetEvaluationAsync(Guid runId, CancellationToken cancellationToken);

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

    /// <summary>Removes one artifact's file (e.g. a checkpoint the retention setting no longer keeps).</summary>
    void Delete(Artifact artifact);
}
