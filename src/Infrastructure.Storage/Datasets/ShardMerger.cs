using System.Text.Json;
using AlexNet.Experiments.Domain.Datasets;

namespace AlexNet.Experiments.Infrastructure.Storage.Datasets;

/// <summary>
/// The merge step: concatenates the parts and sums their statistics in shard order into the store, then publishes it under
/// {storeRoot}/{contentHash} by a rename and removes the parts.
/// </summary>
internal sealed class ShardMerger(TimeProvider time)
{
    public DatasetVersion Merge(Dataset dataset, string storeRoot, string contentHash, CancellationToken cancellationToken)
    {
        string storePath = Path.GetFullPath(Path.Combine(storeRoot, contentHash));
        if (StoreFiles.IsComplete(storePath, out var existing))
        {
            return existing with { DatasetId = dataset.Id };
        }

        string folder = ShardLayout.ShardsFolder(storeRoot, contentHash);
        string temporary = ShardLayout.TemporaryStoreFolder(storeRoot, contentHash);
        try
        {
            var plan = ShardLayout.TryReadPlan(folder) ?? throw new InvalidOperationException($"Version {contentHash} has no shard plan; plan it first.");
            Directory.CreateDirectory(temporary);
            var version = Concatenate(temporary, folder, plan, dataset.Id, storePath, cancellationToken);
            File.WriteAllText(Path.Combine(temporary, StoreFiles.Version), JsonSerializer.Serialize(version, StoreFiles.Json));
            var published = Publish(temporary, storePath, version, dataset.Id);
            ShardLayout.TryDelete(folder);
            return published;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException
                                  && StoreFiles.IsComplete(storePath, out var raced))
        {
            // Another execution of the merge published the version (and removed the parts) while this one read them.
            return raced with { DatasetId = dataset.Id };
        }
        finally
        {
            ShardLayout.TryDelete(temporary);
        }
    }

    private DatasetVersion Concatenate(string temporary, string folder, ShardPlan plan, Guid datasetId, string storePath, CancellationToken cancellationToken)
    {
        int size = plan.Settings.ImageSize;
        var statistics = new TrainingStatistics(size);
        var skipped = new List<SkippedFile>(plan.SourceSkipped);
        int train = 0, validation = 0;
        using (var trainImages = ShardLayout.CreateFile(temporary, StoreFiles.Images(DatasetSplit.Train)))
        using (var trainLabels = ShardLayout.CreateFile(temporary, StoreFiles.Labels(DatasetSplit.Train)))
        using (var validationImages = ShardLayout.CreateFile(temporary, StoreFiles.Images(DatasetSplit.Validation)))
        using (var validationLabels = ShardLayout.CreateFile(temporary, StoreFiles.Labels(DatasetSplit.Validation)))
        {
            // Shard order, never completion order: the bytes and the sums are the single pass's.
            for (int shard = 0; shard < plan.Shards; shard++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                string part = ShardLayout.PartFolder(folder, shard);
                if (!Directory.Exists(part))
                {
                    throw new InvalidOperationException($"Shard {shard} of version {plan.ContentHash} has not been preprocessed.");
                }

                var info = JsonSerializer.Deserialize<ShardPart>(File.ReadAllBytes(Path.Combine(part, ShardLayout.PartFile)), StoreFiles.Json)
                    ?? throw new InvalidDataException($"Shard {shard} of version {plan.ContentHash} has no part record.");
                foreach (var (stream, name) in new[]
                         {
                             (trainImages, StoreFiles.Images(DatasetSplit.Train)), (trainLabels, StoreFiles.Labels(DatasetSplit.Train)),
                             (validationImages, StoreFiles.Images(DatasetSplit.Validation)), (validationLabels, StoreFiles.Labels(DatasetSplit.Validation)),
                         })
                {
                    using var input = new FileStream(Path.Combine(part, name), FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 20);
                    input.CopyTo(stream, 1 << 20);
                }

                using (var input = File.OpenRead(Path.Combine(part, ShardLayout.StatisticsFile)))
                {
                    statistics.AddFrom(input);
                }

                train += info.TrainCount;
                validation += info.ValidationCount;
                skipped.AddRange(info.Skipped);
            }

            if (train == 0)
            {
                throw new InvalidDataException($"The dataset has no decodable training images: {skipped.Count:N0} files were skipped ({SkippedFiles.Describe(skipped)}).");
            }

            using (var mean = ShardLayout.CreateFile(temporary, StoreFiles.Mean))
            {
                mean.Write(statistics.MeanImageBytes());
                mean.Flush(flushToDisk: true);
            }

            // On disk before the rename publishes them, so a power cut cannot leave a published store with lost pages.
            foreach (var stream in new[] { trainImages, trainLabels, validationImages, validationLabels })
            {
                stream.Flush(flushToDisk: true);
            }
        }

        var (values, vectors) = SymmetricEigen.Decompose(statistics.Covariance(), 3);
        return new DatasetVersion(
            plan.ContentHash, datasetId, plan.Settings, plan.ClassNames, train, validation, skipped, plan.HoldOut, new ColourPca(values, vectors),
            storePath, time.GetUtcNow());
    }

    // The rename is the commit point: a crash before it leaves only a .tmp folder, never a half store under the hash.
    private static DatasetVersion Publish(string temporary, string storePath, DatasetVersion version, Guid datasetId)
    {
        if (Directory.Exists(storePath))
        {
            if (StoreFiles.IsComplete(storePath, out var raced))
            {
                return raced with { DatasetId = datasetId };
            }

            Directory.Delete(storePath, recursive: true);
        }

        try
        {
            Directory.Move(temporary, storePath);
        }
        catch (IOException) when (StoreFiles.IsComplete(storePath, out var raced))
        {
            // Another process published the same version between our check and the rename.
            return raced with { DatasetId = datasetId };
        }

        return version;
    }
}
