using System.Buffers.Binary;
using System.Text.Json;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Infrastructure.Storage.Datasets.Sources;

namespace AlexNet.Experiments.Infrastructure.Storage.Datasets;

/// <summary>
/// One shard step: decodes its range of the plan's records in listing order into part files with exact integer partial
/// statistics, in a temporary folder published by a rename, so a shard killed midway leaves nothing a rerun would trust.
/// </summary>
internal sealed class ShardWriter(UntrustedFileLimits limits, int maxDegreeOfParallelism)
{
    /// <summary>Does nothing when the shard is already published.</summary>
    /// <param name="overall">Report progress over the whole listing (the single pass) rather than over this shard's range.</param>
    public void Preprocess(
        Dataset dataset, string storeRoot, string contentHash, int shard, IProgress<PreprocessingProgress>? progress, bool overall, CancellationToken cancellationToken)
    {
        string folder = ShardLayout.ShardsFolder(storeRoot, contentHash);
        var plan = ShardLayout.TryReadPlan(folder) ?? throw new InvalidOperationException($"Version {contentHash} has no shard plan; plan it first.");
        string part = ShardLayout.PartFolder(folder, shard);
        var (start, count) = plan.Range(shard);
        if (Directory.Exists(part))
        {
            return;
        }

        var (realRoot, _, items, _) = DatasetListing.Read(dataset, plan.Settings, limits, cancellationToken);
        if (items.Count != plan.Items)
        {
            throw new InvalidOperationException($"Dataset '{dataset.Name}' changed while it was being preprocessed ({items.Count} records, {plan.Items} planned); run it again.");
        }

        var digests = ShardLayout.ReadDigests(folder, plan, start, count);
        string temporary = ShardLayout.TemporaryPartFolder(folder, shard);
        Directory.CreateDirectory(temporary);
        try
        {
            var shardProgress = progress is null ? null : new Progress(p => progress.Report(
                overall ? p with { Processed = start + p.Processed, Total = plan.Items } : p));
            var (partInfo, statistics) = Write(temporary, plan.Settings.ImageSize, realRoot, items.GetRange(start, count), digests, shardProgress, cancellationToken);
            using (var stream = ShardLayout.CreateFile(temporary, ShardLayout.StatisticsFile))
            {
                statistics.WriteTo(stream);
                stream.Flush(flushToDisk: true);
            }

            ShardLayout.WriteAtomically(
                Path.Combine(temporary, ShardLayout.PartFile), JsonSerializer.SerializeToUtf8Bytes(partInfo, StoreFiles.Json), overwrite: false);
            try
            {
                Directory.Move(temporary, part);
            }
            catch (IOException) when (Directory.Exists(part))
            {
                // Another execution of this shard published the same bytes first.
            }
        }
        finally
        {
            if (Directory.Exists(temporary))
            {
                Directory.Delete(temporary, recursive: true);
            }
        }
    }

    private (ShardPart Part, TrainingStatistics Statistics) Write(
        string folder, int size, string realRoot, List<ListedRecord> items, Digest[] digests, IProgress<PreprocessingProgress>? progress, CancellationToken cancellationToken)
    {
        // Bounded memory: a chunk of decoded crops is produced in parallel, then written in listing order.
        int chunk = Math.Max(1, maxDegreeOfParallelism) * 16;
        var outcomes = new ImagePipeline.Outcome[chunk];
        var options = new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = maxDegreeOfParallelism };
        var statistics = new TrainingStatistics(size);
        var pipeline = new ImagePipeline(limits);

        using var trainImages = ShardLayout.CreateFile(folder, StoreFiles.Images(DatasetSplit.Train));
        using var trainLabels = ShardLayout.CreateFile(folder, StoreFiles.Labels(DatasetSplit.Train));
        using var validationImages = ShardLayout.CreateFile(folder, StoreFiles.Images(DatasetSplit.Validation));
        using var validationLabels = ShardLayout.CreateFile(folder, StoreFiles.Labels(DatasetSplit.Validation));
        int train = 0, validation = 0;
        var skipped = new List<SkippedFile>();
        Span<byte> label = stackalloc byte[sizeof(int)];

        for (int start = 0; start < items.Count; start += chunk)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int count = Math.Min(chunk, items.Count - start);
            Parallel.For(0, count, options, i => outcomes[i] = pipeline.Process(items[start + i].Record, digests[start + i], size, realRoot, cancellationToken));

            for (int i = 0; i < count; i++)
            {
                var (record, split) = items[start + i];
                var outcome = outcomes[i];
                if (outcome.Changed)
                {
                    throw new InvalidOperationException($"'{record.Key}' changed while the dataset was being preprocessed; run it again.");
                }

                if (outcome.Crop is not { } crop)
                {
                    skipped.Add(new SkippedFile(record.Key, outcome.Skipped ?? "unreadable"));
                    continue;
                }

                BinaryPrimitives.WriteInt32LittleEndian(label, record.Label);
                if (split == DatasetSplit.Train)
                {
                    trainImages.Write(crop);
                    trainLabels.Write(label);
                    statistics.Add(crop);
                    train++;
                }
                else
                {
                    validationImages.Write(crop);
                    validationLabels.Write(label);
                    validation++;
                }
            }

            progress?.Report(new PreprocessingProgress(start + count, skipped.Count, items.Count));
        }

        // On disk before the rename publishes the part, so a power cut cannot leave a published part with lost pages.
        foreach (var stream in new[] { trainImages, trainLabels, validationImages, validationLabels })
        {
            stream.Flush(flushToDisk: true);
        }

        return (new ShardPart(train, validation, skipped), statistics);
    }

    private sealed class Progress(Action<PreprocessingProgress> report) : IProgress<PreprocessingProgress>
    {
        public void Report(PreprocessingProgress value) => report(value);
    }
}
