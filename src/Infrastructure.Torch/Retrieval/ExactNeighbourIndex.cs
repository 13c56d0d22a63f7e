using System.Runtime.InteropServices;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Retrieval;
using TorchSharp;
using static TorchSharp.torch;

namespace AlexNet.Experiments.Infrastructure.Torch.Retrieval;

/// <summary>
/// Exact Euclidean k-NN with matrix products over the whole set: ||x - q||² = ||x||² - 2 X·q + ||q||², with ||x||² computed once
/// when a matrix is loaded. The fast float32 formula only chooses candidates (k plus a margin, by torch.topk); their distances
/// are then recomputed directly in double precision, which removes the formula's cancellation error and orders equal distances
/// by image index. The most recently used matrices (at most <see cref="CachedSets"/>) stay in memory, so repeated queries do
/// not reread 1.6 GB.
/// </summary>
public sealed class ExactNeighbourIndex : INeighbourIndex, IDisposable
{
    public const int CachedSets = 2;
    private const int CandidateMargin = 16;

    private readonly Lock gate = new();
    private readonly LinkedList<LoadedSet> cache = new();

    public Task<FeatureSet> DescribeAsync(DatasetSplit split, FeatureFiles files, CancellationToken cancellationToken) => Task.Run(() =>
    {
        using var file = new FileStream(files.Features, FileMode.Open, FileAccess.Read, FileShare.Read, 4096);
        var (descr, shape) = NpyFile.ReadHeader(file);
        if (descr != NpyFile.Float32 || shape.Length != 2)
        {
            throw new InvalidDataException($"'{Path.GetFileName(files.Features)}' is not a float32 matrix.");
        }

        return new FeatureSet(split, checked((int)shape[0]), checked((int)shape[1]), files);
    }, cancellationToken);

    public Task<IReadOnlyList<IReadOnlyList<Neighbour>>> NearestAsync(
        FeatureFiles files, IReadOnlyList<NeighbourQuery> queries, int k, CancellationToken cancellationToken) => Task.Run(() =>
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        // One search at a time: libtorch's matrix product already uses every core, and an evicted matrix is disposed under the lock.
        lock (gate)
        {
            var set = Load(files);
            return Search(set, queries, k);
        }
    }, cancellationToken);

    /// <summary>
    /// Searches an in-memory matrix (rows = vectors) with its precomputed squared row norms; what the benchmark times and the
    /// tests check against brute force. Neither tensor is disposed.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<Neighbour>> Search(
        Tensor vectors, Tensor squaredNorms, long[] labels, long[] indices, IReadOnlyList<NeighbourQuery> queries, int k) =>
        Search(new LoadedSet("", 0, vectors, squaredNorms, labels, indices), queries, k);

    public void Dispose()
    {
        lock (gate)
        {
            foreach (var set in cache)
            {
                set.Dispose();
            }

            cache.Clear();
        }
    }

    private static IReadOnlyList<IReadOnlyList<Neighbour>> Search(LoadedSet set, IReadOnlyList<NeighbourQuery> queries, int k)
    {
        long count = set.Vectors.shape[0], dimension = set.Vectors.shape[1];
        var results = new List<IReadOnlyList<Neighbour>>(queries.Count);
        if (queries.Count == 0)
        {
            return results;
        }

        foreach (var query in queries)
        {
            if (query.Vector.Length != dimension)
            {
                throw new ArgumentException($"A query has {query.Vector.Length} values; the stored vectors have {dimension}.", nameof(queries));
            }
        }

        if (count == 0)
        {
            return queries.Select(_ => (IReadOnlyList<Neighbour>)[]).ToList();
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var q = tensor(queries.SelectMany(x => x.Vector).ToArray(), [queries.Count, dimension]);
        // N x Q in one product over the whole set; ||q||² is constant per query, so it does not change the order.
        var distances = set.SquaredNorms.unsqueeze(1) - 2 * set.Vectors.matmul(q.t()) + q.square().sum(1).unsqueeze(0);
        for (int j = 0; j < queries.Count; j++)
        {
            if (queries[j].ExcludeIndex is { } excluded && Array.IndexOf(set.Indices, (long)excluded) is var row and >= 0)
            {
                distances[row, j].fill_(float.PositiveInfinity);
            }
        }

        int candidates = (int)Math.Min(count, k + CandidateMargin + (queries.Any(x => x.ExcludeIndex is not null) ? 1 : 0));
        var (_, rows) = distances.topk(candidates, dim: 0, largest: false, sorted: true);
        var candidateRows = rows.t().contiguous().data<long>().ToArray();

        for (int j = 0; j < queries.Count; j++)
        {
            var vector = queries[j].Vector;
            var chosen = candidateRows.AsSpan(j * candidates, candidates).ToArray()
                .Where(row => queries[j].ExcludeIndex is not { } excluded || set.Indices[row] != excluded)
                .Select(row => new Neighbour((int)set.Indices[row], (int)set.Labels[row], ExactDistance(set.Vectors[row], vector)))
                .OrderBy(n => n.Distance).ThenBy(n => n.Index)
                .Take(k)
                .ToList();
            results.Add(chosen);
        }

        return results;
    }

    private static double ExactDistance(Tensor row, float[] query)
    {
        var values = row.data<float>().ToArray();
        double sum = 0;
        for (int i = 0; i < values.Length; i++)
        {
            double d = (double)values[i] - query[i];
            sum += d * d;
        }

        return Math.Sqrt(sum);
    }

    private LoadedSet Load(FeatureFiles files)
    {
        var info = new FileInfo(files.Features);
        long stamp = info.Exists ? info.LastWriteTimeUtc.Ticks ^ info.Length : throw new FileNotFoundException("The feature file is missing.", files.Features);
        for (var node = cache.First; node is not null; node = node.Next)
        {
            if (node.Value.Path == files.Features && node.Value.Stamp == stamp)
            {
                cache.Remove(node);
                cache.AddFirst(node);
                return node.Value;
            }
        }

        var loaded = Read(files, stamp);
        cache.AddFirst(loaded);
        while (cache.Count > CachedSets)
        {
            cache.Last!.Value.Dispose();
            cache.RemoveLast();
        }

        return loaded;
    }

    private static LoadedSet Read(FeatureFiles files, long stamp)
    {
        var labels = NpyFile.ReadInt64(files.Labels);
        var indices = NpyFile.ReadInt64(files.Indices);
        using var file = new FileStream(files.Features, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        var (descr, shape) = NpyFile.ReadHeader(file);
        if (descr != NpyFile.Float32 || shape.Length != 2 || shape[0] != labels.Length || shape[0] != indices.Length)
        {
            throw new InvalidDataException($"'{Path.GetFileName(files.Features)}' does not match its labels and indices.");
        }

        var vectors = empty([shape[0], shape[1]], ScalarType.Float32);
        try
        {
            // Straight into the tensor's memory, in blocks of rows so no span nears 2 GB.
            long rowsPerBlock = Math.Max(1, (256L << 20) / Math.Max(1, shape[1] * sizeof(float)));
            for (long start = 0; start < shape[0]; start += rowsPerBlock)
            {
                using var block = vectors.narrow(0, start, Math.Min(rowsPerBlock, shape[0] - start));
                file.ReadExactly(block.bytes);
            }

            var norms = vectors.square().sum(1);
            return new LoadedSet(files.Features, stamp, vectors, norms, labels, indices);
        }
        catch
        {
            vectors.Dispose();
            throw;
        }
    }

    private sealed record LoadedSet(string Path, long Stamp, Tensor Vectors, Tensor SquaredNorms, long[] Labels, long[] Indices) : IDisposable
    {
        public void Dispose()
        {
            Vectors.Dispose();
            SquaredNorms.Dispose();
        }
    }
}
