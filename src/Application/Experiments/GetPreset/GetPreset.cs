using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Domain.Experiments;
using Mediator;

namespace AlexNet.Experiments.Application.Experiments.GetPreset;

/// <summary>A preset resolved to every hyperparameter it sets; null for a name that is no preset.</summary>
public sealed record GetPresetQuery(string Name) : IQuery<Preset?>;

public sealed record Preset(string Name, Hyperparameters Hyperparameters);

public sealed class GetPresetHandler : IQueryHandler<GetPresetQuery, Preset?>
{
    public ValueTask<Preset?> Handle(GetPresetQuery query, CancellationToken cancellationToken) =>
        ValueTask.FromResult(HyperparameterPresets.All.TryGetValue(query.Name, out var hyperparameters)
            ? new Preset(query.Name.ToLowerInvariant(), hyperparameters)
            : null);
}
