using System.Globalization;
using System.Text.RegularExpressions;
using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Retrieval;
using AlexNet.Experiments.Domain.Storage;
using FluentValidation;
using FluentValidation.Results;
using Mediator;

namespace AlexNet.Experiments.Application.Retrieval.FindNeighbours;

/// <summary>
/// The paper's Figure 4: for stored query images (<c>val:123</c>, <c>train:7</c>), the <see cref="K"/> training images whose fc7
/// vectors are nearest by Euclidean distance. One answer per image, in the order asked. <see cref="ExcludeQuery"/> leaves a
/// training query image out of its own answer.
/// </summary>
public sealed record FindNeighboursQuery(Guid RunId, IReadOnlyList<string?> Images, int K, bool ExcludeQuery = false) : IQuery<IReadOnlyList<NeighbourList>>;

/// <summary>The same search for an uploaded JPEG or PNG (the bytes of the multipart field <c>image</c>).</summary>
public sealed record FindUploadNeighboursQuery(Guid RunId, ReadOnlyMemory<byte> Image, int K) : IQuery<NeighbourList>;

/// <summary>The query image (split, index, label and URL are null for an upload) and its neighbours, nearest first.</summary>
public sealed record NeighbourList(Guid RunId, int K, QueryImage Query, IReadOnlyList<NeighbourImage> Neighbours);

public sealed record QueryImage(string? Split, int? Index, int? Label, string? ClassName, string? Url);

public sealed record NeighbourImage(string Split, int Index, int Label, string ClassName, double Distance, string Url);

public static partial class NeighbourRules
{
    public const int MaxK = 100;
    public const string ImageField = "image";

    public static bool TryParseImage(string? spec, out DatasetSplit split, out int index)
    {
        index = -1;
        split = DatasetSplit.Train;
        var match = spec is null ? null : ImagePattern().Match(spec);
        return match is { Success: true }
            && Splits.TryParse(match.Groups["split"].Value, out split)
            && int.TryParse(match.Groups["index"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out index);
    }

    public static void K<T>(AbstractValidator<T> validator, System.Linq.Expressions.Expression<Func<T, int>> k) =>
        validator.RuleFor(k).InclusiveBetween(1, MaxK).OverridePropertyName("k").WithMessage($"'k' must be between 1 and {MaxK}.");

    [GeneratedRegex(@"^(?<split>train|val):(?<index>[0-9]{1,9})$", RegexOptions.CultureInvariant)]
    private static partial Regex ImagePattern();
}

public sealed class FindNeighboursValidator : AbstractValidator<FindNeighboursQuery>
{
    public FindNeighboursValidator()
    {
        NeighbourRules.K(this, q => q.K);
        RuleFor(q => q.Images).Custom((images, context) =>
        {
            if (images.Count == 0)
            {
                context.AddFailure(NeighbourRules.ImageField, "'image' is required: a stored image as <split>:<index>, e.g. val:123.");
            }
            else if (images.Any(i => !NeighbourRules.TryParseImage(i, out _, out _)))
            {
                var bad = images.First(i => !NeighbourRules.TryParseImage(i, out _, out _));
                context.AddFailure(NeighbourRules.ImageField, $"'{bad}' is not a stored image: write <split>:<index> with split train or val, e.g. val:123.");
            }
        });
    }
}

public sealed class FindUploadNeighboursValidator : AbstractValidator<FindUploadNeighboursQuery>
{
    public FindUploadNeighboursValidator()
    {
        NeighbourRules.K(this, q => q.K);
        RuleFor(q => q.Image).Must(i => !i.IsEmpty).OverridePropertyName(NeighbourRules.ImageField)
            .WithMessage("'image' is required: send a JPEG or PNG as the multipart/form-data field image.");
    }
}

public sealed class FindNeighboursHandler(TrainedRuns trainedRuns, IFeatureExtractor extractor, INeighbourIndex index)
    : IQueryHandler<FindNeighboursQuery, IReadOnlyList<NeighbourList>>, IQueryHandler<FindUploadNeighboursQuery, NeighbourList>
{
    public async ValueTask<IReadOnlyList<NeighbourList>> Handle(FindNeighboursQuery query, CancellationToken cancellationToken)
    {
        var (run, files) = await TrainFeaturesAsync(query.RunId, cancellationToken);
        var images = new List<(DatasetSplit Split, int Index)>();
        foreach (var spec in query.Images)
        {
            NeighbourRules.TryParseImage(spec, out var split, out int imageIndex);
            int count = Splits.Count(run.Dataset, split);
            if (imageIndex >= count)
            {
                throw new ValidationException([new ValidationFailure(NeighbourRules.ImageField,
                    $"'{spec}' is out of range: the {(split == DatasetSplit.Train ? "training" : "validation")} split has {count} images (0 to {count - 1}).")]);
            }

            images.Add((split, imageIndex));
        }

        var queries = new List<NeighbourQuery>();
        var labels = new List<int>();
        foreach (var (split, imageIndex) in images)
        {
            var stored = await extractor.EmbedStoredImageAsync(run.Checkpoint, run.Dataset, split, imageIndex, cancellationToken);
            queries.Add(new NeighbourQuery(stored.Vector, query.ExcludeQuery && split == DatasetSplit.Train ? imageIndex : null));
            labels.Add(stored.Label);
        }

        var answers = await index.NearestAsync(files, queries, query.K, cancellationToken);
        return images.Select((image, i) =>
        {
            int label = labels[i];
            var queryImage = new QueryImage(Splits.Name(image.Split), image.Index, label, ClassName(run, label), Splits.ImageUrl(run.Run.Id, image.Split, image.Index));
            return List(run, query.K, queryImage, answers[i]);
        }).ToList();
    }

    public async ValueTask<NeighbourList> Handle(FindUploadNeighboursQuery query, CancellationToken cancellationToken)
    {
        var (run, files) = await TrainFeaturesAsync(query.RunId, cancellationToken);
        float[] vector;
        try
        {
            vector = await extractor.EmbedImageAsync(run.Checkpoint, run.Dataset, query.Image, cancellationToken);
        }
        catch (UnreadableImageException unreadable)
        {
            throw new ValidationException([new ValidationFailure(NeighbourRules.ImageField, $"The upload is not a usable JPEG or PNG image: {unreadable.Message}.")]);
        }

        var answer = (await index.NearestAsync(files, [new NeighbourQuery(vector)], query.K, cancellationToken))[0];
        return List(run, query.K, new QueryImage(null, null, null, null, null), answer);
    }

    private async Task<(TrainedRun Run, FeatureFiles Files)> TrainFeaturesAsync(Guid runId, CancellationToken cancellationToken)
    {
        var run = await trainedRuns.ResolveAsync(runId, cancellationToken);
        return RetrievalRuns.Features(run.Artifacts, DatasetSplit.Train) is { } features
            ? (run, features.Files)
            : throw new ConflictException(
                $"The training split's features of run {runId} have not been extracted yet: POST /api/runs/{runId}/features?split=train first, " +
                $"then wait until GET {Splits.FeaturesUrl(runId, DatasetSplit.Train)} says done.");
    }

    private static NeighbourList List(TrainedRun run, int k, QueryImage query, IReadOnlyList<Neighbour> neighbours) => new(
        run.Run.Id, k, query,
        neighbours.Select(n => new NeighbourImage(Splits.Train, n.Index, n.Label, ClassName(run, n.Label), n.Distance,
            Splits.ImageUrl(run.Run.Id, DatasetSplit.Train, n.Index))).ToList());

    private static string ClassName(TrainedRun run, int label) =>
        label >= 0 && label < run.Dataset.ClassNames.Count ? run.Dataset.ClassNames[label] : label.ToString(CultureInfo.InvariantCulture);
}
