using System.Text.Json.Nodes;
using AlexNet.Experiments.Application.Experiments;
using AlexNet.Experiments.Domain.Training;
using FluentValidation;
using Mediator;

namespace AlexNet.Experiments.Application.Models.DescribeModel;

/// <summary>
/// Per-layer output shape, parameters and device of the model a preset plus overrides would build. A description
/// allocates nothing, so a plan may name devices this machine lacks (e.g. the paper's two GPUs).
/// </summary>
public sealed record DescribeModelQuery(string Preset, JsonObject? Hyperparameters, int ClassCount) : IQuery<ModelSummary>;

public sealed class DescribeModelValidator : AbstractValidator<DescribeModelQuery>
{
    public DescribeModelValidator()
    {
        RuleFor(q => q.ClassCount).InclusiveBetween(2, 100_000);
        RuleFor(q => q.Hyperparameters).MustResolve(q => q.Preset, availableDevices: null);
    }
}

public sealed class DescribeModelHandler(IModelInspector inspector) : IQueryHandler<DescribeModelQuery, ModelSummary>
{
    public ValueTask<ModelSummary> Handle(DescribeModelQuery query, CancellationToken cancellationToken)
    {
        var hyperparameters = HyperparameterResolution.Resolve(query.Preset, query.Hyperparameters, availableDevices: null).Resolved!;
        return ValueTask.FromResult(inspector.Describe(hyperparameters.Model, query.ClassCount));
    }
}
