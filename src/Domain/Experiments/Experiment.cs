namespace AlexNet.Experiments.Domain.Experiments;

public sealed record Experiment(Guid Id, string Name, Guid DatasetId, string Preset, DateTimeOffset CreatedAt);

/// <summary>Succeeded, Failed, Diverged and Cancelled are final.</summary>
public enum RunStatus { Queued, Preprocessing, Training, Evaluating, Succeeded, Failed, Diverged, Cancelled }

public static class RunStatuses
{
    public static bool IsFinal(this RunStatus status) => status is RunStatus.Succeeded or RunStatus.Failed or RunStatus.Diverged or RunStatus.Cancelled;
}

/// <summary>Where a run's training loss first stopped being a finite number: 1-based epoch and batch within that epoch.</summary>
public sealed record Divergence(int Epoch, int Batch);

/// <summary>One execution of an experiment. <see cref="HyperparametersJson"/> is the canonical JSON of the resolved hyperparameters.</summary>
public sealed record Run(
    Guid Id,
    Guid ExperimentId,
    RunStatus Status,
    string HyperparametersJson,
    string? DatasetVersionHash,
    int EpochsCompleted,
    string? CurrentJobId,
    string? Error,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    /// <summary>Set when the run ended <see cref="RunStatus.Diverged"/>.</summary>
    public Divergence? Divergence { get; init; }

    /// <summary>A new run waiting for its first step.</summary>
    public static Run Queued(Guid experimentId, string hyperparametersJson, DateTimeOffset now) =>
        new(Guid.NewGuid(), experimentId, RunStatus.Queued, hyperparametersJson, null, 0, null, null, now, now);

    /// <summary>The run this one reproduces, if it is a reproduction.</summary>
    public Guid? SourceRunId { get; init; }

    public bool IsFinished => Status.IsFinal();
}

/// <summary>
/// The immutable record that reproduces a run: the canonical hyperparameter JSON and its SHA-256, the seed,
/// the dataset version and the software and device it ran on. Written once, when the dataset version is known.
/// </summary>
public sealed record HyperparameterRecord(
    Guid RunId,
    string CanonicalJson,
    string Sha256,
    int Seed,
    string DatasetVersionHash,
    int ClassCount,
    string CodeVersion,
    string TorchSharpVersion,
    string LibTorchVersion,
    string Device,
    DateTimeOffset CreatedAt);

public sealed record RuntimeFacts(string CodeVersion, string TorchSharpVersion, string LibTorchVersion, string Device);
