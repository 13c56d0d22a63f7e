using System.Security.Cryptography;
using AlexNet.Experiments.Infrastructure.Storage.Datasets.Sources;

namespace AlexNet.Experiments.Infrastructure.Storage.Datasets;

/// <summary>The SHA-256 of a record's bytes, or why they could not be read.</summary>
internal sealed record Digest(byte[]? Sha256, string? Skipped);

/// <summary>
/// Per-record digests: the planner hashes them into the content hash and stores them in the plan, and a shard checks the bytes
/// it decodes against them.
/// </summary>
internal static class RecordDigests
{
    public static Digest[] Hash(
        List<ListedRecord> items, string realRoot, UntrustedFileLimits limits, int maxDegreeOfParallelism, CancellationToken cancellationToken)
    {
        var digests = new Digest[items.Count];
        var options = new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = maxDegreeOfParallelism };
        Parallel.For(0, items.Count, options, i =>
        {
            digests[i] = items[i].Record switch
            {
                EncodedImageRecord file => UntrustedFiles.RunBounded(() => HashFile(file, realRoot, limits), limits.DecodeTimeout, cancellationToken)
                    ?? new Digest(null, TimedOut(limits)),
                RawImageRecord raw => new Digest(HashRaw(raw.Validated()), null),
                var other => throw new NotSupportedException($"Unknown record type {other.GetType().Name}."),
            };
        });
        return digests;
    }

    /// <summary>The reason given for a record whose read or decode overran <see cref="UntrustedFileLimits.DecodeTimeout"/>.</summary>
    public static string TimedOut(UntrustedFileLimits limits) => $"reading and decoding took over {limits.DecodeTimeout.TotalSeconds:0.#} s";

    // The shape goes into the content hash beside the key (see ShardPlanner.ContentHash), so the pixels alone are hashed here.
    public static byte[] HashRaw(RawImageRecord raw) => SHA256.HashData(raw.Pixels.Span);

    private static Digest HashFile(EncodedImageRecord file, string realRoot, UntrustedFileLimits limits) =>
        UntrustedFiles.TryRead(file.Path, realRoot, limits.MaxImageFileBytes, out var reason) is { } bytes
            ? new Digest(SHA256.HashData(bytes), null)
            : new Digest(null, reason);
}
