using AlexNet.Experiments.Domain.Jobs;
using AlexNet.Experiments.Domain.Training;
using Mediator;
using Microsoft.Extensions.Logging;

namespace AlexNet.Experiments.Application.Runs.Steps;

/// <summary>
/// Runs one bounded step of a run (plan the preprocessing, one shard of it, its merge, one training epoch, or evaluation) and
/// queues the next. The run decides which step is current and what may follow (see <c>Run</c>); each step kind has its
/// executor in this folder.
/// </summary>
public sealed record ExecuteRunStepCommand(RunStep Step) : ICommand;

public sealed partial class ExecuteRunStepHandler(
    RunClaims claims,
    IEnumerable<IRunStepExecutor> executors,
    RunStepQueue queue,
    RunStepEndings endings,
    RunControl control,
    ILogger<ExecuteRunStepHandler> logger) : ICommandHandler<ExecuteRunStepCommand>
{
    private readonly Dictionary<RunStepKind, IRunStepExecutor> executorByKind = executors.ToDictionary(e => e.Kind);

    public async ValueTask<Unit> Handle(ExecuteRunStepCommand command, CancellationToken cancellationToken)
    {
        var step = command.Step;
        var claim = await claims.ReadAsync(step.RunId, cancellationToken);
        if (!claim.Run.IsCurrent(step))
        {
            LogStaleStep(step, claim.Run.Status, claim.Run.EpochsCompleted);
            return Unit.Value;
        }

        LogStepStarted(step);
        // A cancel from any process (POST /api/runs/{id}/cancel) trips this token; the trainer stops at the next batch boundary.
        await using var watch = control.Watch(claim.Run.Id, cancellationToken);
        try
        {
            var next = await executorByKind[step.Kind].ExecuteAsync(claim, step, watch.Token);
            await watch.StopAsync();
            if (claim.Run.IsFinished)
            {
                await endings.FinishedAsync(claim, cancellationToken);
            }

            if (next is not null)
            {
                await queue.EnqueueAsync(claim.Run, next, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (watch.IsRunCancelled && !cancellationToken.IsCancellationRequested)
        {
            LogCancelled(step);
            await watch.StopAsync();
            await endings.CancelledAsync(claim, step, CancellationToken.None);
        }
        catch (TrainingDivergedException diverged)
        {
            await endings.DivergedAsync(claim, diverged, CancellationToken.None);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await endings.FailedAsync(claim, step, e, CancellationToken.None);
            throw;
        }

        return Unit.Value;
    }

    [LoggerMessage(LogLevel.Information, "{Step} started")]
    private partial void LogStepStarted(RunStep step);

    [LoggerMessage(LogLevel.Information, "Skipping {Step}: the run is {Status} with {Epochs} epochs done, so this step already ran")]
    private partial void LogStaleStep(RunStep step, Domain.Experiments.RunStatus status, int epochs);

    [LoggerMessage(LogLevel.Information, "{Step} stopped: the run was cancelled")]
    private partial void LogCancelled(RunStep step);
}
