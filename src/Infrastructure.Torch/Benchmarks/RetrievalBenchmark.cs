using System.Diagnostics;
using AlexNet.Experiments.Domain.Retrieval;
using AlexNet.Experiments.Infrastructure.Torch.Retrieval;
using TorchSharp;
using static TorchSharp.torch;

namespace AlexNet.Experiments.Infrastructure.Torch.Benchmarks;

/// <summary>Seconds per query of the exact search, warm (the matrix and its norms already in memory).</summary>
public sealed record RetrievalBenchmarkResult(int Vectors, int Dimension, int K, int Queries, int Threads, double MedianSeconds, double MaxSeconds);

/// <summary>
/// <see cref="ExactNeighbourIndex.Search"/> on seeded random float32 vectors (100,000 x 4096 by default, the fc7 width): one
/// warm-up query, then each query timed alone, as a GET /neighbours request searches.
/// </summary>
public static class RetrievalBenchmark
{
    public static RetrievalBenchmarkResult Run(int vectors = 100_000, int dimension = 4096, int k = 6, int queries = 10, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(queries, 1);
        using var generator = new Generator(20120);
        using var matrix = randn([vectors, dimension], generator: generator);
        var labels = Enumerable.Range(0, vectors).Select(i => (long)(i % 1000)).ToArray();
        var indices = Enumerable.Range(0, vectors).Select(i => (long)i).ToArray();
        using var squaredNorms = matrix.square().sum(1);
        var random = new Random(20120);

        float[] Query() => Enumerable.Range(0, dimension).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();

        ExactNeighbourIndex.Search(matrix, squaredNorms, labels, indices, [new NeighbourQuery(Query())], k);
        var seconds = new List<double>();
        for (int i = 0; i < queries; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var query = new NeighbourQuery(Query());
            var clock = Stopwatch.StartNew();
            var found = ExactNeighbourIndex.Search(matrix, squaredNorms, labels, indices, [query], k);
            seconds.Add(clock.Elapsed.TotalSeconds);
            if (found[0].Count != k)
            {
                throw new InvalidOperationException($"The search returned {found[0].Count} neighbours, not {k}.");
            }
        }

        return new RetrievalBenchmarkResult(vectors, dimension, k, queries, get_num_threads(), Samples.Median(seconds), seconds.Max());
    }
}
