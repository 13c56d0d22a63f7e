using AlexNet.Experiments.Domain.Retrieval;
using AlexNet.Experiments.Domain.Storage;
using Mediator;

namespace AlexNet.Experiments.Application.Retrieval.GetRunImage;

/// <summary>One preprocessed image of the run's dataset version as PNG; null when the run, its version, the split or the index is unknown.</summary>
public sealed record GetRunImageQuery(Guid RunId, string Split, int Index) : IQuery<byte[]?>;

public sealed class GetRunImageHandler(IDatasetStore datasetStore, IRunStore runStore, IStoredImages images) : IQueryHandler<GetRunImageQuery, byte[]?>
{
    public async ValueTask<byte[]?> Handle(GetRunImageQuery query, CancellationToken cancellationToken)
    {
        if (!Splits.TryParse(query.Split, out var split)
            || await runStore.GetRunAsync(query.RunId, cancellationToken) is not { DatasetVersionHash: { } hash }
            || await datasetStore.GetDatasetVersionAsync(hash, cancellationToken) is not { } version
            || query.Index < 0 || query.Index >= Splits.Count(version, split))
        {
            return null;
        }

        return await images.EncodePngAsync(version, split, query.Index, cancellationToken);
    }
}
