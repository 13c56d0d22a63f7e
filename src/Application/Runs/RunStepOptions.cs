namespace AlexNet.Experiments.Application.Runs;

/// <summary>
/// How long one training job may run before it saves the epoch's state and hands the rest to a new job. Below the
/// embedded job store's fixed 30-minute invisibility timeout, after which a still-running job would be handed out again.
/// </summary>
public sealed record RunStepOptions(TimeSpan TrainingStepBudget)
{
    public static RunStepOptions Default { get; } = new(TimeSpan.FromMinutes(20));
}
