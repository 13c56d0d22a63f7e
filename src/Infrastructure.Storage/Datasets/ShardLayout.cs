using System.Security.Cryptography;
using System.Text.Json;

namespace AlexNet.Experiments.Infrastructure.Storage.Datasets;

/// <summary>
/// Files of a version being preprocessed in shards, under {storeRoot}/.shards-{contentHash}: plan.json (the
/// <see cref="ShardPlan"/>), digests.bin (each record's SHA-256 in listing order) and one shard-{i:D5} folder per finished
/// shard holding its part files (named as in <see cref="StoreFiles"/>), statistics.bin and part.json. Shards are written in
/// .tmp-shard-* folders and the merge in {storeRoot}/.tmp-{contentHash}-*, each published by a rename.
/// </summary>
internal static class ShardLayout
{
    public const string PlanFile = "plan.json";
    public const string DigestsFile = "digests.bin";
    public const string PartFile = "part.json";
    public const string StatisticsFile = "statistics.bin";

    public static string ShardsFolder(string storeRoot, string contentHash) => Path.Combine(storeRoot, $".shards-{contentHash}");

    public static string PartFolder(string shardsFolder, int shard) => Path.Combine(shardsFolder, $"shard-{shard:D5}");

    public static string TemporaryPartFolder(string shardsFolder, int shard) =>
        Path.Combine(shardsFolder, $".tmp-shard-{shard:D5}-{Guid.NewGuid():N}");

    public static string TemporaryStoreFolder(string storeRoot, string contentHash) =>
        Path.Combine(storeRoot, $".tmp-{contentHash}-{Guid.NewGuid():N}");

    /// <summary>Every folder a version of <paramref name="contentHash"/> may have under the store root: published, shards, temporary.</summary>
    public static IEnumerable<string> FoldersOf(string storeRoot, string contentHash) =>
        Directory.Exists(storeRoot)
            ? [Path.Combine(storeRoot, contentHash), ShardsFolder(storeRoot, contentHash), .. Directory.EnumerateDirectories(storeRoot, $".tmp-{contentHash}-*")]
            : [];

    public static ShardPlan? TryReadPlan(string folder)
    {
        try
        {
            string path = Path.Combine(folder, PlanFile);
            return File.Exists(path) ? JsonSerializer.Deserialize<ShardPlan>(File.ReadAllBytes(path), StoreFiles.Json) : null;
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            return null;
        }
    }

    /// <summary>The digests of records [start, start + count); digests.bin holds zeros where the plan lists a record as unreadable.</summary>
    public static Digest[] ReadDigests(string folder, ShardPlan plan, int start, int count)
    {
        var digests = new Digest[count];
        using var file = File.OpenRead(Path.Combine(folder, DigestsFile));
        file.Position = start * (long)SHA256.HashSizeInBytes;
        for (int i = 0; i < count; i++)
        {
            var sha = new byte[SHA256.HashSizeInBytes];
            file.ReadExactly(sha);
            digests[i] = plan.Unreadable.TryGetValue(start + i, out var reason) ? new Digest(null, reason) : new Digest(sha, null);
        }

        return digests;
    }

    /// <summary>Writes a sibling temporary file, then renames it into place; false when the file exists and may not be replaced.</summary>
    public static bool WriteAtomically(string path, byte[] bytes, bool overwrite)
    {
        string temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite);
            return true;
        }
        catch (IOException) when (!overwrite && File.Exists(path))
        {
            return false;
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    public static FileStream CreateFile(string folder, string name) =>
        new(Path.Combine(folder, name), FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 20);

    public static void TryDelete(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A leftover folder of parts or temporary files costs disk space, never correctness.
        }
    }
}
