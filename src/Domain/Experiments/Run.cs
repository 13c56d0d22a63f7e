using AlexNet.Experiments.Domain.Jobs;

namespace AlexNet.Experiments.Domain.Experiments;

/// <summary>Succeeded, Failed, Diverged and Cancelled are final.</summary>
public enum RunStatus { Queued, Preprocessing, Training, Evaluating, Succeeded, Failed, Diverged, Cancelled }

public static class RunStatuses
{
    public static bool IsFinal(this RunStatus status) => status is RunStatus.Succeeded or RunStatus.Failed or RunStatus.Diverged or RunStatus.Cancelled;
}

/// <summary>Where a run's training loss first stopped being a finite number: 1-based epoch and batch within that epoch.</summary>
public sealed record Divergence(int Epoch, int Batch);

/// <summary>A transition the run's current state does not allow; nothing was changed.</summary>
public sealed class RunTransitionException(string message) : InvalidOperationException(message);

/// <summary>
/// One execution of an experiment, and the only place its life is decided:
/// <c>Queued → Preprocessing → Training (epoch by epoch) → Evaluating → Succeeded</c>, or <c>Failed</c> or <c>Cancelled</c> from
/// any unfinished state, or <c>Diverged</c> while training. Every transition returns the run as it is afterwards, stamped with
/// the time of the change, which is also the compare-and-set token a store writes it against; a transition the state does not
/// allow throws <see cref="RunTransitionException"/>. The hyperparameters are typed: JSON exists only where the run is stored
/// or sent.
/// </summary>
public sealed record Run
{
    private Run(
        Guid id, Guid experimentId, RunStatus status, Hyperparameters hyperparameters, DateTimeOffset createdAt, DateTimeOffset updatedAt)
    {
        Id = id;
        ExperimentId = experimentId;
        Status = status;
        Hyperparameters = hyperparameters;
        CreatedAt = createdAt;
        UpdatedAt = updatedAt;
    }

    public Guid Id { get; }
    public Guid ExperimentId { get; }
    public RunStatus Status { get; private init; }
    public Hyperparameters Hyperparameters { get; }

    /// <summary>The preprocessed dataset version the run trains on, known once preprocessing finished.</summary>
    public string? DatasetVersionHash { get; private init; }

    public int EpochsCompleted { get; private init; }

    /// <summary>The scheduler job that carries the run's next step; written apart from the state (see the store's SetRunJob).</summary>
    public string? CurrentJobId { get; private init; }

    /// <summary>Why the run failed or diverged.</summary>
    public string? Error { get; private init; }

    /// <summary>Set when the run ended <see cref="RunStatus.Diverged"/>.</summary>
    public Divergence? Divergence { get; private init; }

    /// <summary>The run this one reproduces, if it is a reproduction.</summary>
    public Guid? SourceRunId { get; private init; }

    public DateTimeOffset CreatedAt { get; }
    public DateTimeOffset UpdatedAt { get; private init; }

    public bool IsFinished => Status.IsFinal();

    /// <summary>A new run waiting for its first step.</summary>
    public static Run Queue(Guid experimentId, Hyperparameters hyperparameters, DateTimeOffset now, Guid? sourceRunId = null)
    {
        ArgumentNullException.ThrowIfNull(hyperparameters);
        return new Run(Guid.NewGuid(), experimentId, RunStatus.Queued, hyperparameters, now, now) { SourceRunId = sourceRunId };
    }

    /// <summary>A run as a store kept it; no transition is checked, since the store only holds states transitions produced.</summary>
    public static Run Restore(
        Guid id, Guid experimentId, RunStatus status, Hyperparameters hyperparameters, string? datasetVersionHash, int epochsCompleted,
        string? currentJobId, string? error, Divergence? divergence, Guid? sourceRunId, DateTimeOffset createdAt, DateTimeOffset updatedAt) =>
        new(id, experimentId, status, hyperparameters, createdAt, updatedAt)
        {
            DatasetVersionHash = datasetVersionHash,
            EpochsCompleted = epochsCompleted,
            CurrentJobId = currentJobId,
            Error = error,
            Divergence = divergence,
            SourceRunId = sourceRunId,
        };

    /// <summary>
    /// The step that continues the run: Preprocess while queued or preprocessing (the shard and merge steps of a version are
    /// current for as long as the run is preprocessing), the next epoch while training, Evaluate while evaluating, none once finished.
    /// </summary>
    public RunStep? NextStep => Status switch
    {
        RunStatus.Queued or RunStatus.Preprocessing => new RunStep(Id, RunStepKind.Preprocess),
        RunStatus.Training => new RunStep(Id, RunStepKind.TrainEpoch, EpochsCompleted + 1),
        RunStatus.Evaluating => new RunStep(Id, RunStepKind.Evaluate),
        _ => null,
    };

    /// <summary>A step whose work the run has already moved past is stale (e.g. a job fetched twice) and must do nothing.</summary>
    public bool IsCurrent(RunStep step)
    {
        ArgumentNullException.ThrowIfNull(step);
        return step.RunId == Id && (step.Kind is RunStepKind.PreprocessShard or RunStepKind.PreprocessMerge
            ? Status == RunStatus.Preprocessing
            : NextStep == step);
    }

    /// <summary>Queued → Preprocessing.</summary>
    public Run StartPreprocessing(DateTimeOffset now) => Move(RunStatus.Queued, now) with { Status = RunStatus.Preprocessing };

    /// <summary>
    /// The same state at a new time: an execution that goes on with its step claims the run first, so of two executions of one
    /// step (a job store may hand a long job out twice) only one can go on to queue the next.
    /// </summary>
    public Run Claim(DateTimeOffset now)
    {
        Refuse(IsFinished, $"is {Status}");
        return this with { UpdatedAt = now };
    }

    /// <summary>Preprocessing → Training, on the dataset version it produced.</summary>
    public Run FinishPreprocessing(string datasetVersionHash, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(datasetVersionHash);
        return Move(RunStatus.Preprocessing, now) with { Status = RunStatus.Training, DatasetVersionHash = datasetVersionHash };
    }

    /// <summary>Training → Training with one more epoch, or → Evaluating after the last. Epochs complete in order, each once.</summary>
    public Run CompleteEpoch(int epoch, DateTimeOffset now)
    {
        var moved = Move(RunStatus.Training, now);
        Refuse(epoch != EpochsCompleted + 1, $"has completed {EpochsCompleted} epochs, so epoch {epoch} is not next");
        return moved with
        {
            EpochsCompleted = epoch,
            Status = epoch >= Hyperparameters.Epochs ? RunStatus.Evaluating : RunStatus.Training,
        };
    }

    /// <summary>Evaluating → Succeeded.</summary>
    public Run Succeed(DateTimeOffset now) => Move(RunStatus.Evaluating, now) with { Status = RunStatus.Succeeded };

    /// <summary>Training → Diverged: the loss stopped being finite at <paramref name="divergence"/>.</summary>
    public Run Diverge(Divergence divergence, string reason, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(divergence);
        return Move(RunStatus.Training, now) with { Status = RunStatus.Diverged, Divergence = divergence, Error = reason };
    }

    /// <summary>Any unfinished state → Failed, with why.</summary>
    public Run Fail(string error, DateTimeOffset now)
    {
        Refuse(IsFinished, $"has already finished ({Status})");
        return this with { Status = RunStatus.Failed, Error = error, UpdatedAt = now };
    }

    /// <summary>Any unfinished state → Cancelled. The step executing it notices at its next batch boundary.</summary>
    public Run Cancel(DateTimeOffset now)
    {
        Refuse(IsFinished, $"has already finished ({Status})");
        return this with { Status = RunStatus.Cancelled, UpdatedAt = now };
    }

    private Run Move(RunStatus from, DateTimeOffset now)
    {
        Refuse(Status != from, $"is {Status}, not {from}");
        return this with { UpdatedAt = now };
    }

    private void Refuse(bool refused, string why)
    {
        if (refused)
        {
            throw new RunTransitionException($"Run {Id} {why}.");
        }
    }
}
