using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Domain.Retrieval;
using AlexNet.Experiments.Domain.Storage;
using Mediator;

namespace AlexNet.Experiments.Application.Datasets.GetMeanImage;

/// <summary>The mean training image of one of a dataset's preprocessed versions, as PNG.</summary>
public sealed record GetMeanImageQuery(Guid DatasetId, string ContentHash) : IQuery<byte[]>;

public sealed class GetMeanImageHandler(IDatasetStore datasetStore, IStoredImages images) : IQueryHandler<GetMeanImageQuery, byte[]>
{
    public async ValueTask<byte[]> Handle(GetMeanImageQuery query, CancellationToken cancellationToken)
    {
        _ = await datasetStore.GetDatasetAsync(query.DatasetId, cancellationToken) ?? throw new NotFoundException("Dataset", query.DatasetId);
        var version = (await datasetStore.ListDatasetVersionsAsync(query.DatasetId, cancellationToken)).FirstOrDefault(v => v.ContentHash == query.ContentHash)
            ?? throw new NotFoundException("Dataset version", query.ContentHash, $"Dataset {query.DatasetId} has no preprocessed version '{query.ContentHash}'.");
        return await images.EncodeMeanPngAsync(version, cancellationToken)
            ?? throw new NotFoundException("Mean image", query.ContentHash, $"The mean image file of version {query.ContentHash} is missing.");
    }
}
