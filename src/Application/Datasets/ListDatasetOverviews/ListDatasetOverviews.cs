using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Storage;
using Mediator;

namespace AlexNet.Experiments.Application.Datasets.ListDatasetOverviews;

/// <summary>Every dataset with its preprocessed versions and what they take on disk: what the datasets page lists.</summary>
public sealed record ListDatasetOverviewsQuery : IQuery<IReadOnlyList<DatasetOverview>>;

/// <param name="Versions">Newest first.</param>
public sealed record DatasetOverview(Dataset Dataset, IReadOnlyList<StoredVersion> Versions)
{
    /// <summary>The newest version: the classes and image counts as last preprocessed.</summary>
    public DatasetVersion? Latest => Versions.Count > 0 ? Versions[0].Version : null;

    internal static async Task<DatasetOverview> ReadAsync(Dataset dataset, IDatasetStore datasetStore, IArtifactStore artifacts, CancellationToken cancellationToken)
    {
        var versions = await datasetStore.ListDatasetVersionsAsync(dataset.Id, cancellationToken);
        return new DatasetOverview(dataset, [.. versions.Select(v => new StoredVersion(v, artifacts.MeasureDatasetVersion(v)))]);
    }
}

/// <param name="Bytes">What its files take on disk; null when they are missing.</param>
public sealed record StoredVersion(DatasetVersion Version, long? Bytes);

public sealed class ListDatasetOverviewsHandler(IDatasetStore datasetStore, IArtifactStore artifacts) : IQueryHandler<ListDatasetOverviewsQuery, IReadOnlyList<DatasetOverview>>
{
    public async ValueTask<IReadOnlyList<DatasetOverview>> Handle(ListDatasetOverviewsQuery query, CancellationToken cancellationToken)
    {
        var overviews = new List<DatasetOverview>();
        foreach (var dataset in await datasetStore.ListDatasetsAsync(cancellationToken))
        {
            overviews.Add(await DatasetOverview.ReadAsync(dataset, datasetStore, artifacts, cancellationToken));
        }

        return overviews;
    }
}
