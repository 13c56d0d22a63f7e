using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Storage;
using Mediator;

namespace AlexNet.Experiments.Application.Datasets.ListDatasets;

public sealed record ListDatasetsQuery : IQuery<IReadOnlyList<Dataset>>;

public sealed class ListDatasetsHandler(IDatasetStore datasetStore) : IQueryHandler<ListDatasetsQuery, IReadOnlyList<Dataset>>
{
    public async ValueTask<IReadOnlyList<Dataset>> Handle(ListDatasetsQuery query, CancellationToken cancellationToken) =>
        await datasetStore.ListDatasetsAsync(cancellationToken);
}
