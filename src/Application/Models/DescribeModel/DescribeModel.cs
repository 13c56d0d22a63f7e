using System.Text.Json.Nodes;
using AlexNet.Experiments.Application.Experiments;
using AlexNet.Experiments.Domain.Training;
using FluentValidation;
using Mediator;

namespace AlexNet.Experiments.Application.Models.DescribeModel;

/// <summary>Per-layer output shape, parameters and device of the model a preset plus overrides would build.</summary>
public sealed record DescribeModelQuery(string Preset, JsonObject? Hyperparameters, int ClassCount) : IQuery<ModelSummary>;

public sealed class DescribeModelValidator : AbstractValidator<DescribeModelQuery>
{
    public DescribeModelValidator(IRuntimeEnvironment runtime)
    {
        RuleFor(q => q.ClassCount).InclusiveBetween(2, 100_000);
        RuleFor(q => q.Hyperparameters).MustResolve(q => q.Preset, runtime);
    }
}

public sealed class DescribeModelHandler(IModelInspector inspector, IRuntimeEnvironment runtime) : IQueryHandler<DescribeModelQuery, ModelSummary>
{
    public ValueTask<ModelSummary> Handle(DescribeModelQuery query, CancellationToken cancellationToken)
    {
        var hyperparameters = HyperparameterResolution.Resolve(query.Preset, query.Hyperparameters, runtime.AvailableDevices).Resolved!;
        return ValueTask.FromResult(inspector.Describe(hyperparameters.Model, query.ClassCount));
    }
}
