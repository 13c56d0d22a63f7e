using AlexNet.Experiments.Domain.Storage;
using Mediator;

namespace AlexNet.Experiments.Application.Experiments.ListExperiments;

public sealed record ListExperimentsQuery : IQuery<IReadOnlyList<ExperimentSummary>>;

public sealed class ListExperimentsHandler(IExperimentStore experimentStore) : IQueryHandler<ListExperimentsQuery, IReadOnlyList<ExperimentSummary>>
{
    public async ValueTask<IReadOnlyList<ExperimentSummary>> Handle(ListExperimentsQuery query, CancellationToken cancellationToken) =>
        await experimentStore.ListExperimentsAsync(cancellationToken);
}
