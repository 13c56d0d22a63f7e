using AlexNet.Experiments.Domain.Experiments;

namespace AlexNet.Experiments.Tests.Shared;

/// <summary>
/// Runs in any stored state, for tests of what stores and pages do with them. Application code moves a run only through its
/// transitions; a store test needs the states themselves, as a store restores them.
/// </summary>
internal static class StoredRuns
{
    public static Run With(
        this Run run,
        Guid? id = null,
        Guid? experimentId = null,
        RunStatus? status = null,
        Hyperparameters? hyperparameters = null,
        string? datasetVersionHash = null,
        int? epochsCompleted = null,
        string? currentJobId = null,
        string? error = null,
        Divergence? divergence = null,
        Guid? sourceRunId = null,
        DateTimeOffset? updatedAt = null) =>
        Run.Restore(
            id ?? run.Id, experimentId ?? run.ExperimentId, status ?? run.Status, hyperparameters ?? run.Hyperparameters, datasetVersionHash ?? run.DatasetVersionHash,
            epochsCompleted ?? run.EpochsCompleted, currentJobId ?? run.CurrentJobId, error ?? run.Error, divergence ?? run.Divergence,
            sourceRunId ?? run.SourceRunId, run.CreatedAt, updatedAt ?? run.UpdatedAt);
}
