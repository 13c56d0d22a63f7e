using AlexNet.Experiments.Domain.Storage;
using AlexNet.Experiments.Domain.Training;
using Mediator;

namespace AlexNet.Experiments.Application.Runs.GetRunMetrics;

/// <summary>Null when the run does not exist; an empty list while it has not finished an epoch.</summary>
public sealed record GetRunMetricsQuery(Guid RunId) : IQuery<IReadOnlyList<EpochMetrics>?>;

public sealed class GetRunMetricsHandler(IRunStore runStore, IRunMetricsStore metricsStore) : IQueryHandler<GetRunMetricsQuery, IReadOnlyList<EpochMetrics>?>
{
    public async ValueTask<IReadOnlyList<EpochMetrics>?> Handle(GetRunMetricsQuery query, CancellationToken cancellationToken) =>
        await runStore.GetRunAsync(query.RunId, cancellationToken) is null ? null : await metricsStore.GetEpochMetricsAsync(query.RunId, cancellationToken);
}
