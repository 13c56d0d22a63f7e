using AlexNet.Experiments.Application.Datasets.ListDatasetOverviews;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Storage;
using Mediator;

namespace AlexNet.Experiments.Application.Datasets.ViewDataset;

/// <summary>A dataset as its page shows it: its versions, and its source as it is on disk now (classes, sample counts).</summary>
public sealed record ViewDatasetQuery(Guid DatasetId) : IQuery<DatasetView?>;

public sealed record DatasetView(DatasetOverview Overview, SourceContents Source);

public sealed class ViewDatasetHandler(IDatasetStore datasetStore, IArtifactStore artifacts, IDatasetSamples samples) : IQueryHandler<ViewDatasetQuery, DatasetView?>
{
    public async ValueTask<DatasetView?> Handle(ViewDatasetQuery query, CancellationToken cancellationToken)
    {
        if (await datasetStore.GetDatasetAsync(query.DatasetId, cancellationToken) is not { } dataset)
        {
            return null;
        }

        return new DatasetView(
            await DatasetOverview.ReadAsync(dataset, datasetStore, artifacts, cancellationToken),
            await samples.DescribeAsync(dataset, cancellationToken));
    }
}
