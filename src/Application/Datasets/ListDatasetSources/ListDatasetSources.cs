using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Storage;
using Mediator;

namespace AlexNet.Experiments.Application.Datasets.ListDatasetSources;

/// <summary>The folders a dataset can be registered from: those directly under the configured dataset roots.</summary>
public sealed record ListDatasetSourcesQuery : IQuery<IReadOnlyList<DatasetSourceFolder>>;

/// <param name="Format">The format whose layout the folder has, if any: what to register it as.</param>
/// <param name="DatasetId">The dataset already registered from this folder (in any format), if any.</param>
public sealed record DatasetSourceFolder(string Path, string Root, DatasetFormat? Format, Guid? DatasetId);

public sealed class ListDatasetSourcesHandler(IDatasetSources sources, IDatasetStore datasetStore) : IQueryHandler<ListDatasetSourcesQuery, IReadOnlyList<DatasetSourceFolder>>
{
    public async ValueTask<IReadOnlyList<DatasetSourceFolder>> Handle(ListDatasetSourcesQuery query, CancellationToken cancellationToken)
    {
        var registered = (await datasetStore.ListDatasetsAsync(cancellationToken))
            .GroupBy(d => d.SourcePath, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderBy(d => d.CreatedAt).First().Id, StringComparer.Ordinal);
        return [.. (await sources.ListFoldersAsync(cancellationToken))
            .Select(f => new DatasetSourceFolder(f.Path, f.Root, f.Format, registered.TryGetValue(f.Path, out var id) ? id : null))];
    }
}
