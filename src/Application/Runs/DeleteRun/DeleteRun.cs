using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Domain.Storage;
using Mediator;

namespace AlexNet.Experiments.Application.Runs.DeleteRun;

/// <summary>
/// Removes a finished run's rows and its files (runs/&lt;id&gt;/). An unfinished run must be cancelled first, and a cancelled
/// one must have stopped: its step saves the epoch's state at the next batch boundary.
/// </summary>
public sealed record DeleteRunCommand(Guid RunId) : ICommand;

public sealed class DeleteRunHandler(IRunStore runStore, IArtifactStore artifacts, RunCancellations executing) : ICommandHandler<DeleteRunCommand>
{
    public async ValueTask<Unit> Handle(DeleteRunCommand command, CancellationToken cancellationToken)
    {
        var run = await runStore.GetRunAsync(command.RunId, cancellationToken) ?? throw new NotFoundException("Run", command.RunId);
        EnsureDeletable(run, executing);
        await DeleteAsync(runStore, artifacts, run, cancellationToken);
        return Unit.Value;
    }

    internal static void EnsureDeletable(Domain.Experiments.Run run, RunCancellations executing)
    {
        if (!run.IsFinished)
        {
            throw new ConflictException($"Run {run.Id} is {run.Status}; cancel it before deleting it.");
        }

        if (executing.IsExecuting(run.Id))
        {
            throw new ConflictException($"Run {run.Id} is {run.Status} but its step is still stopping; delete it again in a moment.");
        }
    }

    internal static async Task DeleteAsync(IRunStore runStore, IArtifactStore artifacts, Domain.Experiments.Run run, CancellationToken cancellationToken)
    {
        await runStore.DeleteRunAsync(run.Id, cancellationToken);
        artifacts.DeleteRunFiles(run.Id);
    }
}
