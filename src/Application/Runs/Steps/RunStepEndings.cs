using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Jobs;
using AlexNet.Experiments.Domain.Storage;
using AlexNet.Experiments.Domain.Training;
using Microsoft.Extensions.Logging;

namespace AlexNet.Experiments.Application.Runs.Steps;

/// <summary>How a step that did not finish its work ends the run: diverged, cancelled, or failed.</summary>
public sealed partial class RunStepEndings(IRunMetricsStore metrics, StepProgress progress, VersionWaiters waiters, TimeProvider clock, ILogger<RunStepEndings> logger)
{
    /// <summary>Records the diverged epoch as a row of unknown figures, so the metrics show where the run ended, and ends the run Diverged.</summary>
    public async Task DivergedAsync(RunClaim claim, TrainingDivergedException diverged, CancellationToken cancellationToken)
    {
        LogDiverged(claim.Run.Id, diverged.Epoch, diverged.Batch, diverged.Message);
        await metrics.AddEpochMetricsAsync(
            new EpochMetrics(claim.Run.Id, diverged.Epoch, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, clock.GetUtcNow()),
            cancellationToken);
        await claim.TryAdvanceAsync((run, now) => run.Diverge(new Divergence(diverged.Epoch, diverged.Batch), diverged.Message, now), cancellationToken);
    }

    /// <summary>The run finished with the step: its last figures are kept, with nothing left to wait for.</summary>
    public Task FinishedAsync(RunClaim claim, CancellationToken cancellationToken) => progress.KeepAsync(claim.Run.Id, finished: true, cancellationToken);

    /// <summary>The run is Cancelled already (that is what stopped the step): keep its last figures and hand on shared preprocessing work.</summary>
    public async Task CancelledAsync(RunClaim claim, RunStep step, CancellationToken cancellationToken)
    {
        await progress.KeepAsync(claim.Run.Id, finished: true, cancellationToken);
        await waiters.HandOverAsync(claim.Run.Id, step, cancellationToken);
    }

    public async Task FailedAsync(RunClaim claim, RunStep step, Exception exception, CancellationToken cancellationToken)
    {
        LogStepFailed(exception, step);
        if (!claim.Run.IsFinished && await claim.TryAdvanceAsync((run, now) => run.Fail($"{step.Kind}: {FailureReason.From(exception)}", now), cancellationToken))
        {
            await waiters.HandOverAsync(claim.Run.Id, step, cancellationToken);
        }
    }

    [LoggerMessage(LogLevel.Warning, "Run {RunId} diverged at epoch {Epoch}, batch {Batch}: {Reason}")]
    private partial void LogDiverged(Guid runId, int epoch, int batch, string reason);

    [LoggerMessage(LogLevel.Error, "{Step} failed")]
    private partial void LogStepFailed(Exception exception, RunStep step);
}
