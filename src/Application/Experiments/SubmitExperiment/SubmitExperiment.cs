using System.Text.Json.Nodes;
using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Application.Runs;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Jobs;
using AlexNet.Experiments.Domain.Storage;
using AlexNet.Experiments.Domain.Training;
using FluentValidation;
using Mediator;

namespace AlexNet.Experiments.Application.Experiments.SubmitExperiment;

/// <summary>Creates an experiment and its first run from a preset plus overrides, and queues the run's first step.</summary>
public sealed record SubmitExperimentCommand(string Name, Guid DatasetId, string Preset, JsonObject? Hyperparameters) : ICommand<SubmittedExperiment>;

public sealed record SubmittedExperiment(Guid ExperimentId, Guid RunId, string HyperparametersSha256, Hyperparameters Hyperparameters);

public sealed class SubmitExperimentValidator : AbstractValidator<SubmitExperimentCommand>
{
    public SubmitExperimentValidator(IDatasetStore datasetStore, IRuntimeEnvironment runtime, IDatasetSources sources, IResourceBudget budget)
    {
        RuleFor(c => c.Name).NotEmpty().MaximumLength(200).PlainLine();
        RuleFor(c => c.DatasetId).Cascade(CascadeMode.Stop)
            .NotEmpty()
            .MustAsync(async (id, ct) => await datasetStore.GetDatasetAsync(id, ct) is not null)
            .WithMessage(c => $"Dataset '{c.DatasetId}' is not registered.");
        RuleFor(c => c.Hyperparameters).MustResolve(c => c.Preset, runtime.AvailableDevices);
        RuleFor(c => c).CustomAsync(async (command, context, ct) =>
        {
            // Only settings that are otherwise valid, on a registered dataset, get an estimate.
            if (HyperparameterResolution.Resolve(command.Preset, command.Hyperparameters, runtime.AvailableDevices).Resolved is not { } resolved
                || command.DatasetId == Guid.Empty || await datasetStore.GetDatasetAsync(command.DatasetId, ct) is not { } dataset)
            {
                return;
            }

            foreach (var failure in RunResources.Check(resolved, await sources.MeasureAsync(dataset, ct), budget))
            {
                context.AddFailure(failure);
            }
        });
    }
}

public sealed class SubmitExperimentHandler(IExperimentStore experimentStore, RunStepQueue queue, IRuntimeEnvironment runtime, TimeProvider clock)
    : ICommandHandler<SubmitExperimentCommand, SubmittedExperiment>
{
    public async ValueTask<SubmittedExperiment> Handle(SubmitExperimentCommand command, CancellationToken cancellationToken)
    {
        var hyperparameters = HyperparameterResolution.Resolve(command.Preset, command.Hyperparameters, runtime.AvailableDevices).Resolved
            ?? throw new InvalidOperationException("Hyperparameters were validated before the handler ran.");
        var now = clock.GetUtcNow();
        var experiment = new Experiment(Guid.NewGuid(), command.Name.Trim(), command.DatasetId, command.Preset.ToLowerInvariant(), now);
        var run = Run.Queue(experiment.Id, hyperparameters, now);
        await experimentStore.AddExperimentAsync(experiment, run, cancellationToken);
        await queue.EnqueueNextAsync(run, cancellationToken);

        return new SubmittedExperiment(experiment.Id, run.Id, HyperparameterJson.Sha256(HyperparameterJson.ToCanonicalJson(hyperparameters)), hyperparameters);
    }
}
