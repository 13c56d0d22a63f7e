using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Application.Experiments;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Jobs;
using AlexNet.Experiments.Domain.Storage;
using AlexNet.Experiments.Domain.Training;
using FluentValidation;
using Mediator;

namespace AlexNet.Experiments.Application.Runs.ReproduceRun;

/// <summary>Queues a new run of the same experiment from an earlier run's canonical hyperparameters, byte for byte.</summary>
public sealed record ReproduceRunCommand(Guid RunId) : ICommand<QueuedRun>;

public sealed record QueuedRun(Guid ExperimentId, Guid RunId, string HyperparametersSha256);

public sealed class ReproduceRunValidator : AbstractValidator<ReproduceRunCommand>
{
    public ReproduceRunValidator(IDatasetStore datasetStore, IExperimentStore experimentStore, IRunStore runStore, IRuntimeEnvironment runtime, IDatasetSources sources, IResourceBudget budget)
    {
        // An unknown run is a 404 from the handler; here only what would make the copy fail on this machine.
        RuleFor(c => c.RunId).CustomAsync(async (runId, context, ct) =>
        {
            if (await runStore.GetRunAsync(runId, ct) is not { } run)
            {
                return;
            }

            var hyperparameters = run.Hyperparameters;
            var failures = HyperparameterResolution.Validate(hyperparameters, runtime.AvailableDevices);
            if (failures.Count == 0
                && await experimentStore.GetExperimentAsync(run.ExperimentId, ct) is { } experiment
                && await datasetStore.GetDatasetAsync(experiment.DatasetId, ct) is { } dataset)
            {
                failures = RunResources.Check(hyperparameters, await sources.MeasureAsync(dataset, ct), budget);
            }

            foreach (var failure in failures)
            {
                context.AddFailure(failure);
            }
        });
    }
}

public sealed class ReproduceRunHandler(IRunStore runStore, RunStepQueue queue, TimeProvider clock) : ICommandHandler<ReproduceRunCommand, QueuedRun>
{
    public async ValueTask<QueuedRun> Handle(ReproduceRunCommand command, CancellationToken cancellationToken)
    {
        var original = await runStore.GetRunAsync(command.RunId, cancellationToken) ?? throw new NotFoundException("Run", command.RunId);
        var run = Run.Queue(original.ExperimentId, original.Hyperparameters, clock.GetUtcNow(), sourceRunId: original.Id);
        await runStore.AddRunAsync(run, cancellationToken);
        await queue.EnqueueNextAsync(run, cancellationToken);
        return new QueuedRun(run.ExperimentId, run.Id, HyperparameterJson.Sha256(HyperparameterJson.ToCanonicalJson(run.Hyperparameters)));
    }
}
