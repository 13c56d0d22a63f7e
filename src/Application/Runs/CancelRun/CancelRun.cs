using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Storage;
using Mediator;

namespace AlexNet.Experiments.Application.Runs.CancelRun;

/// <summary>Marks a queued or running run Cancelled and stops its step at the next batch boundary. A finished run is a conflict.</summary>
public sealed record CancelRunCommand(Guid RunId) : ICommand<RunStatus>;

public sealed class CancelRunHandler(IRunStore runStore, RunCancellations cancellations, TimeProvider clock) : ICommandHandler<CancelRunCommand, RunStatus>
{
    public async ValueTask<RunStatus> Handle(CancelRunCommand command, CancellationToken cancellationToken)
    {
        // Compare-and-set: a step advancing the run at the same moment makes this try again on the run as it now is.
        while (true)
        {
            var run = await runStore.GetRunAsync(command.RunId, cancellationToken) ?? throw new NotFoundException("Run", command.RunId);
            if (run.IsFinished)
            {
                throw new ConflictException($"Run {run.Id} has already finished ({run.Status}).");
            }

            if (await runStore.TryAdvanceRunAsync(run, run.Cancel(clock.GetUtcNow()), cancellationToken))
            {
                cancellations.Cancel(run.Id);
                return RunStatus.Cancelled;
            }
        }
    }
}
