using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Storage;
using FluentValidation;
using Mediator;

namespace AlexNet.Experiments.Application.Datasets.GetDatasetSample;

/// <summary>Training image <see cref="K"/> of class <see cref="ClassIndex"/> of a dataset's source, decoded by the project, as PNG.</summary>
public sealed record GetDatasetSampleQuery(Guid DatasetId, int ClassIndex, int K) : IQuery<byte[]>;

public sealed class GetDatasetSampleValidator : AbstractValidator<GetDatasetSampleQuery>
{
    public GetDatasetSampleValidator()
    {
        RuleFor(q => q.ClassIndex).GreaterThanOrEqualTo(0);
        RuleFor(q => q.K).InclusiveBetween(0, SourceContents.MaxSamplesPerClass - 1)
            .WithMessage($"'K' must be from 0 to {SourceContents.MaxSamplesPerClass - 1}: a class offers its first {SourceContents.MaxSamplesPerClass} training images.");
    }
}

public sealed class GetDatasetSampleHandler(IDatasetStore datasetStore, IDatasetSamples samples) : IQueryHandler<GetDatasetSampleQuery, byte[]>
{
    public async ValueTask<byte[]> Handle(GetDatasetSampleQuery query, CancellationToken cancellationToken)
    {
        var dataset = await datasetStore.GetDatasetAsync(query.DatasetId, cancellationToken)
            ?? throw new NotFoundException("Dataset", query.DatasetId);
        var sample = await samples.EncodeSampleAsync(dataset, query.ClassIndex, query.K, cancellationToken);
        return sample.Png ?? throw new NotFoundException("Sample", $"{query.ClassIndex}/{query.K}", sample.Problem);
    }
}
