using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Infrastructure.Storage.Datasets.Sources;

namespace AlexNet.Experiments.Infrastructure.Storage.Datasets;

/// <summary>
/// The plan step: lists and hashes the source to name the version, and unless that version is already stored, writes the
/// per-record digests and the <see cref="ShardPlan"/> the shards and the merge follow.
/// </summary>
internal sealed class ShardPlanner(UntrustedFileLimits limits, int maxDegreeOfParallelism, int imagesPerShard)
{
    // Bump when the decoding/resizing pipeline changes what bytes a source produces, so old stores are not reused.
    private const string FormatTag = "alexnet-store-v2";

    public PreprocessingPlan Plan(
        Dataset dataset, PreprocessingSettings settings, string storeRoot, IProgress<PreprocessingProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(settings.ImageSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(imagesPerShard, nameof(DatasetPreprocessor.ImagesPerShard));
        if (settings.HoldOutFraction is not (> 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(settings), settings.HoldOutFraction, "The hold-out fraction must lie between 0 and 1.");
        }

        var (realRoot, source, items, holdOut) = DatasetListing.Read(dataset, settings, limits, cancellationToken);

        var digests = RecordDigests.Hash(items, realRoot, limits, maxDegreeOfParallelism, cancellationToken);
        string hash = ContentHash(settings, source, holdOut, items, digests);
        if (StoreFiles.IsComplete(Path.Combine(storeRoot, hash), out var existing))
        {
            progress?.Report(new PreprocessingProgress(items.Count, existing.SkippedCount, items.Count));
            return new PreprocessingPlan(hash, 0, existing with { DatasetId = dataset.Id });
        }

        string folder = ShardLayout.ShardsFolder(storeRoot, hash);
        if (ShardLayout.TryReadPlan(folder) is { } planned)
        {
            return new PreprocessingPlan(hash, planned.Shards, null);
        }

        Directory.CreateDirectory(folder);
        var digestBytes = new byte[items.Count * (long)SHA256.HashSizeInBytes];
        var unreadable = new Dictionary<int, string>();
        for (int i = 0; i < items.Count; i++)
        {
            if (digests[i].Sha256 is { } sha)
            {
                sha.CopyTo(digestBytes, i * (long)SHA256.HashSizeInBytes);
            }
            else
            {
                unreadable[i] = digests[i].Skipped ?? "unreadable";
            }
        }

        var plan = new ShardPlan(hash, settings, source.ClassNames, source.Skipped, holdOut, items.Count, imagesPerShard, unreadable);
        byte[] planJson = JsonSerializer.SerializeToUtf8Bytes(plan, StoreFiles.Json);
        // Same content hash, same digests: a racing planner writes identical bytes. plan.json, written last, is the commit point.
        ShardLayout.WriteAtomically(Path.Combine(folder, ShardLayout.DigestsFile), digestBytes, overwrite: true);
        if (!ShardLayout.WriteAtomically(Path.Combine(folder, ShardLayout.PlanFile), planJson, overwrite: false))
        {
            plan = ShardLayout.TryReadPlan(folder) ?? throw new InvalidOperationException($"The shard plan of {hash} could not be read.");
        }

        return new PreprocessingPlan(hash, plan.Shards, null);
    }

    private static string ContentHash(
        PreprocessingSettings settings, DatasetRecords source, ValidationHoldOut? holdOut, List<ListedRecord> items, Digest[] digests)
    {
        // Per-record digests stand in for the bytes so hashing can run in parallel; the outer hash keeps listing order.
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Append(hash, $"{FormatTag}\nimageSize={settings.ImageSize}\n");
        if (holdOut is not null)
        {
            Append(hash, FormattableString.Invariant($"holdOut={holdOut.Fraction:R},{holdOut.Seed}\n"));
        }

        // Labels are indices into the class list, so an added or removed (even empty) class is a new version.
        Append(hash, $"classes={string.Join('\t', source.ClassNames)}\n");
        foreach (var skipped in source.Skipped)
        {
            Append(hash, $"skipped\t{skipped.Path}\t{skipped.Reason}\n");
        }

        for (int i = 0; i < items.Count; i++)
        {
            var (record, split) = items[i];
            string shape = record is RawImageRecord raw ? $"\t{raw.Width}x{raw.Height}x{raw.Channels}" : "";
            Append(hash, $"{split}\t{source.ClassNames[record.Label]}\t{record.Key}{shape}\t");
            if (digests[i].Sha256 is { } sha)
            {
                hash.AppendData(sha);
            }
            else
            {
                Append(hash, $"skipped: {digests[i].Skipped}");
            }

            Append(hash, "\n");
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static void Append(IncrementalHash hash, string text) => hash.AppendData(Encoding.UTF8.GetBytes(text));
}
