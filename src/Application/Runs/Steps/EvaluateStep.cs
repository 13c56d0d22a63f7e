using AlexNet.Experiments.Domain.Jobs;
using AlexNet.Experiments.Domain.Storage;
using AlexNet.Experiments.Domain.Training;

namespace AlexNet.Experiments.Application.Runs.Steps;

/// <summary>Evaluates the last checkpoint (ten crops or the centre crop) on the validation split and ends the run Succeeded.</summary>
public sealed class EvaluateStep(IEvaluator evaluator, RunDatasets datasets, RunCheckpoints checkpoints, IRunMetricsStore metrics) : IRunStepExecutor
{
    public RunStepKind Kind => RunStepKind.Evaluate;

    public async Task<RunStep?> ExecuteAsync(RunClaim claim, RunStep step, CancellationToken cancellationToken)
    {
        var run = claim.Run;
        var version = await datasets.VersionOfAsync(run, cancellationToken);
        var checkpoint = await checkpoints.LastAsync(run, cancellationToken);
        var result = await evaluator.EvaluateAsync(new EvaluationRequest(run.Id, run.Hyperparameters, version, checkpoint.Path), cancellationToken);
        await metrics.SaveEvaluationAsync(result, cancellationToken);
        await claim.TryAdvanceAsync((r, now) => r.Succeed(now), cancellationToken);
        return null;
    }
}
