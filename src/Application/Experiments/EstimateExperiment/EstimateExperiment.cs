using System.Text.Json.Nodes;
using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Storage;
using AlexNet.Experiments.Domain.Training;
using FluentValidation;
using Mediator;

namespace AlexNet.Experiments.Application.Experiments.EstimateExperiment;

/// <summary>
/// What a submission of these settings would need, and the budget it must fit, without storing anything: the figures the
/// submission itself checks, so a form can show them before the user submits.
/// </summary>
public sealed record EstimateExperimentQuery(Guid DatasetId, string Preset, JsonObject? Hyperparameters) : IQuery<ExperimentEstimate>;

/// <param name="Problems">Why a submission would be refused for its size; empty when it fits.</param>
public sealed record ExperimentEstimate(
    double Parameters, long Images, int Classes, double MemoryBytes, double DiskBytes, ResourceLimit MemoryBudget, ResourceLimit DiskBudget,
    IReadOnlyList<string> Problems)
{
    public bool Fits => Problems.Count == 0;
}

/// <summary>The submission's rules on the dataset and hyperparameters (not the name, which an estimate does not need).</summary>
public sealed class EstimateExperimentValidator : AbstractValidator<EstimateExperimentQuery>
{
    public EstimateExperimentValidator(IDatasetStore datasetStore, IRuntimeEnvironment runtime)
    {
        RuleFor(q => q.DatasetId).Cascade(CascadeMode.Stop)
            .NotEmpty()
            .MustAsync(async (id, ct) => await datasetStore.GetDatasetAsync(id, ct) is not null)
            .WithMessage(q => $"Dataset '{q.DatasetId}' is not registered.");
        RuleFor(q => q.Hyperparameters).MustResolve(q => q.Preset, runtime.AvailableDevices);
    }
}

public sealed class EstimateExperimentHandler(IDatasetStore datasetStore, IRuntimeEnvironment runtime, IDatasetSources sources, IResourceBudget budget)
    : IQueryHandler<EstimateExperimentQuery, ExperimentEstimate>
{
    public async ValueTask<ExperimentEstimate> Handle(EstimateExperimentQuery query, CancellationToken cancellationToken)
    {
        var hyperparameters = HyperparameterResolution.Resolve(query.Preset, query.Hyperparameters, runtime.AvailableDevices).Resolved
            ?? throw new InvalidOperationException("Hyperparameters were validated before the handler ran.");
        var dataset = await datasetStore.GetDatasetAsync(query.DatasetId, cancellationToken)
            ?? throw new NotFoundException("Dataset", query.DatasetId); // deleted since it was validated
        var size = await sources.MeasureAsync(dataset, cancellationToken);
        var footprint = RunResources.Estimate(hyperparameters, size);
        var problems = RunResources.Check(hyperparameters, size, budget).Select(f => f.ErrorMessage).ToList();
        return new ExperimentEstimate(
            footprint.Parameters, size.Images, size.Classes, footprint.MemoryBytes, footprint.DiskBytes, budget.Memory, budget.Disk, problems);
    }
}
