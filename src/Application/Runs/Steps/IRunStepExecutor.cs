using AlexNet.Experiments.Domain.Jobs;

namespace AlexNet.Experiments.Application.Runs.Steps;

/// <summary>Does the work of one step kind on a claimed run, and says which step comes next (null: none to queue from here).</summary>
public interface IRunStepExecutor
{
    RunStepKind Kind { get; }

    Task<RunStep?> ExecuteAsync(RunClaim claim, RunStep step, CancellationToken cancellationToken);
}
