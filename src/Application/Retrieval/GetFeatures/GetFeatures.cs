using AlexNet.Experiments.Domain.Jobs;
using AlexNet.Experiments.Domain.Retrieval;
using AlexNet.Experiments.Domain.Storage;
using FluentValidation;
using Mediator;

namespace AlexNet.Experiments.Application.Retrieval.GetFeatures;

/// <summary>The state of a split's features; null when nobody asked for them (or the request was lost with a restart).</summary>
public sealed record GetFeaturesQuery(Guid RunId, string? Split) : IQuery<FeatureStatus?>;

public sealed class GetFeaturesValidator : AbstractValidator<GetFeaturesQuery>
{
    public GetFeaturesValidator() =>
        RuleFor(c => c.Split).Must(s => Splits.TryParse(s, out _)).WithMessage("'split' must be train or val.");
}

public sealed class GetFeaturesHandler(TrainedRuns trainedRuns, INeighbourIndex index, IJobScheduler scheduler, FeatureExtractionBoard board)
    : IQueryHandler<GetFeaturesQuery, FeatureStatus?>
{
    public async ValueTask<FeatureStatus?> Handle(GetFeaturesQuery query, CancellationToken cancellationToken)
    {
        Splits.TryParse(query.Split, out var split);
        var run = await trainedRuns.ResolveAsync(query.RunId, cancellationToken);
        return await FeatureStatus.ReadAsync(run, split, index, board, scheduler, cancellationToken);
    }
}
