using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Storage;
using Mediator;

namespace AlexNet.Experiments.Application.Datasets.GetDataset;

/// <summary>A dataset with its preprocessed versions, each listing the files it skipped and why.</summary>
public sealed record GetDatasetQuery(Guid DatasetId) : IQuery<DatasetDetails?>;

public sealed record DatasetDetails(Dataset Dataset, IReadOnlyList<DatasetVersion> Versions);

public sealed class GetDatasetHandler(IDatasetStore datasetStore) : IQueryHandler<GetDatasetQuery, DatasetDetails?>
{
    public async ValueTask<DatasetDetails?> Handle(GetDatasetQuery query, CancellationToken cancellationToken)
    {
        var dataset = await datasetStore.GetDatasetAsync(query.DatasetId, cancellationToken);
        return dataset is null ? null : new DatasetDetails(dataset, await datasetStore.ListDatasetVersionsAsync(dataset.Id, cancellationToken));
    }
}
