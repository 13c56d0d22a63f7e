using System.Text.Json.Nodes;
using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Application.Experiments;
using AlexNet.Experiments.Application.Runs;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Jobs;
using AlexNet.Experiments.Domain.Storage;
using AlexNet.Experiments.Domain.Studies;
using AlexNet.Experiments.Domain.Training;
using FluentValidation;
using Mediator;

namespace AlexNet.Experiments.Application.Studies.SubmitStudy;

/// <summary>
/// One run per (grid cell, seed), all in one experiment named for the study, each queued like a submitted experiment's run.
/// Nothing is stored unless every run would be accepted on its own.
/// </summary>
/// <param name="Grid">Hyperparameter path -> the values to try, e.g. { "model.lrn.enabled": [true, false] }.</param>
/// <param name="Seeds">Null runs the resolved seed only.</param>
/// <param name="Claims">The paper's claims the study tests, each naming two of its cells.</param>
/// <param name="TrainErrorTarget">The training top-1 error whose time to reach the study reports (and time claims compare).</param>
public sealed record SubmitStudyCommand(
    string Name, Guid DatasetId, string Preset, JsonObject? Hyperparameters, JsonObject? Grid, IReadOnlyList<int>? Seeds,
    IReadOnlyList<StudyClaimRequest>? Claims = null, double? TrainErrorTarget = null) : ICommand<SubmittedStudy>;

public sealed record SubmittedStudyRun(Guid RunId, int Cell, int Seed, JsonObject Values);

public sealed record SubmittedStudy(Guid StudyId, Guid ExperimentId, IReadOnlyList<SubmittedStudyRun> Runs);

public sealed class SubmitStudyValidator : AbstractValidator<SubmitStudyCommand>
{
    public SubmitStudyValidator(IDatasetStore datasetStore, IRuntimeEnvironment runtime, IDatasetSources sources, IResourceBudget budget)
    {
        RuleFor(c => c.Name).NotEmpty().MaximumLength(200).PlainLine();
        RuleFor(c => c.DatasetId).Cascade(CascadeMode.Stop)
            .NotEmpty()
            .MustAsync(async (id, ct) => await datasetStore.GetDatasetAsync(id, ct) is not null)
            .WithMessage(c => $"Dataset '{c.DatasetId}' is not registered.");
        RuleFor(c => c).CustomAsync(async (command, context, ct) =>
        {
            var (plan, failures) = Plan(command, runtime);
            foreach (var failure in plan is null ? failures : StudyClaims.Check(command.Claims, command.TrainErrorTarget, plan))
            {
                context.AddFailure(failure);
            }

            if (plan is null || command.DatasetId == Guid.Empty || await datasetStore.GetDatasetAsync(command.DatasetId, ct) is not { } dataset)
            {
                return;
            }

            // Seeds do not change the footprint: one estimate per cell, and the first cell over budget is the answer.
            var size = await sources.MeasureAsync(dataset, ct);
            foreach (var run in plan.Runs.DistinctBy(r => r.Cell))
            {
                if (RunResources.Check(run.Hyperparameters, size, budget) is { Count: > 0 } over)
                {
                    foreach (var failure in over)
                    {
                        context.AddFailure(plan.Paths.Count == 0 ? failure : new(
                            "grid", $"In the cell {StudyPlan.Describe(run.Values)}, the run {failure.ErrorMessage}"));
                    }

                    return;
                }
            }
        });
    }

    internal static (StudyPlan? Plan, IReadOnlyList<FluentValidation.Results.ValidationFailure> Failures) Plan(SubmitStudyCommand command, IRuntimeEnvironment runtime) =>
        StudyPlan.Build(command.Preset, command.Hyperparameters, command.Grid, command.Seeds, runtime.AvailableDevices);
}

public sealed class SubmitStudyHandler(IStudyStore studies, RunStepQueue queue, IRuntimeEnvironment runtime, TimeProvider clock)
    : ICommandHandler<SubmitStudyCommand, SubmittedStudy>
{
    public async ValueTask<SubmittedStudy> Handle(SubmitStudyCommand command, CancellationToken cancellationToken)
    {
        var plan = SubmitStudyValidator.Plan(command, runtime).Plan
            ?? throw new InvalidOperationException("The study was validated before the handler ran.");
        StudyClaims.Store(plan.Definition, command.Claims, command.TrainErrorTarget);
        var now = clock.GetUtcNow();
        string name = command.Name.Trim();
        var experiment = new Experiment(Guid.NewGuid(), name, command.DatasetId, command.Preset.ToLowerInvariant(), now);
        var study = new Study(Guid.NewGuid(), name, command.DatasetId, experiment.Preset, experiment.Id, plan.Definition.ToJsonString(HyperparameterJson.Options), now);
        var runs = plan.Runs.Select(cell =>
        {
            var run = Run.Queue(experiment.Id, cell.Hyperparameters, now);
            return (run, new StudyRun(study.Id, run.Id, cell.Cell, cell.Values.ToJsonString(HyperparameterJson.Options), cell.Seed));
        }).ToList();

        await studies.AddStudyAsync(study, experiment, runs, cancellationToken);
        foreach (var (run, _) in runs)
        {
            // A run left without a job (the process died here) is queued again by reconciliation, as for any queued run.
            await queue.EnqueueNextAsync(run, cancellationToken);
        }

        return new SubmittedStudy(study.Id, experiment.Id, plan.Runs.Zip(runs, (cell, r) => new SubmittedStudyRun(r.run.Id, cell.Cell, cell.Seed, cell.Values)).ToList());
    }
}
