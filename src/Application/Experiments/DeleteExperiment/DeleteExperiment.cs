using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Application.Runs;
using AlexNet.Experiments.Application.Runs.DeleteRun;
using AlexNet.Experiments.Domain.Storage;
using Mediator;

namespace AlexNet.Experiments.Application.Experiments.DeleteExperiment;

/// <summary>Removes an experiment with all its runs and their files; a conflict while any of its runs is unfinished or still stopping.</summary>
public sealed record DeleteExperimentCommand(Guid ExperimentId) : ICommand;

public sealed class DeleteExperimentHandler(IExperimentStore experimentStore, IRunStore runStore, IArtifactStore artifacts, RunCancellations executing) : ICommandHandler<DeleteExperimentCommand>
{
    public async ValueTask<Unit> Handle(DeleteExperimentCommand command, CancellationToken cancellationToken)
    {
        _ = await experimentStore.GetExperimentAsync(command.ExperimentId, cancellationToken) ?? throw new NotFoundException("Experiment", command.ExperimentId);
        var runs = await runStore.ListRunsAsync(command.ExperimentId, cancellationToken);
        // Every run must be deletable before any is deleted.
        foreach (var run in runs)
        {
            DeleteRunHandler.EnsureDeletable(run, executing);
        }

        foreach (var run in runs)
        {
            await DeleteRunHandler.DeleteAsync(runStore, artifacts, run, cancellationToken);
        }

        await experimentStore.DeleteExperimentAsync(command.ExperimentId, cancellationToken);
        return Unit.Value;
    }
}
