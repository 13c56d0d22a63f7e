using System.Runtime.InteropServices;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Retrieval;
using AlexNet.Experiments.Infrastructure.Torch.Retrieval;
using AlexNet.Experiments.Tests.Shared;
using static TorchSharp.torch;

namespace AlexNet.Experiments.Infrastructure.Torch.Tests.Retrieval;

/// <summary>The vectorised search against a plain double-precision loop over every stored vector, on seeded random data.</summary>
public sealed class ExactNeighbourIndexTests
{
    private const int Count = 600, Dimension = 37;

    private static float[][] RandomVectors(int count, int dimension, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count)
            .Select(_ => Enumerable.Range(0, dimension).Select(_ => (float)((random.NextDouble() * 4) - 2)).ToArray()).ToArray();
    }

    /// <summary>Every stored vector's distance in double, sorted by (distance, image index): the answer by definition.</summary>
    private static List<(int Index, double Distance)> BruteForce(float[][] rows, long[] indices, float[] query, int k, int? exclude = null) =>
        rows.Select((row, r) => ((int)indices[r], Math.Sqrt(row.Select((x, i) => ((double)x - query[i]) * ((double)x - query[i])).Sum())))
            .Where(n => n.Item1 != exclude)
            .OrderBy(n => n.Item2).ThenBy(n => n.Item1)
            .Take(k).ToList();

    private static (Tensor Vectors, Tensor Norms) Matrix(float[][] rows)
    {
        var vectors = tensor(rows.SelectMany(r => r).ToArray(), [rows.Length, rows[0].Length]);
        return (vectors, vectors.square().sum(1));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(6)]
    [InlineData(100)]
    [InlineData(Count)]
    public void The_search_returns_exactly_the_brute_force_neighbours_in_order(int k)
    {
        var rows = RandomVectors(Count, Dimension, seed: 1);
        // Image indices are not row numbers (a split with skipped rows), and labels are what the rows carry.
        var indices = Enumerable.Range(0, Count).Select(i => (long)(1000 + (i * 7))).ToArray();
        var labels = Enumerable.Range(0, Count).Select(i => (long)(i % 5)).ToArray();
        var queries = RandomVectors(8, Dimension, seed: 2);
        var (vectors, norms) = Matrix(rows);
        using (vectors)
        using (norms)
        {
            var answers = ExactNeighbourIndex.Search(vectors, norms, labels, indices, queries.Select(q => new NeighbourQuery(q)).ToList(), k);

            answers.Count.ShouldBe(queries.Length);
            for (int j = 0; j < queries.Length; j++)
            {
                var expected = BruteForce(rows, indices, queries[j], k);
                answers[j].Select(n => n.Index).ShouldBe(expected.Select(e => e.Index), $"query {j}");
                answers[j].Zip(expected).ShouldAllBe(p => Math.Abs(p.First.Distance - p.Second.Distance) < 1e-9);
                answers[j].ShouldAllBe(n => n.Label == labels[(n.Index - 1000) / 7]);
                answers[j].Select(n => n.Distance).ShouldBeInOrder(SortDirection.Ascending);
            }
        }
    }

    [Fact]
    public void A_k_beyond_the_set_returns_every_vector()
    {
        var rows = RandomVectors(5, Dimension, seed: 3);
        var (vectors, norms) = Matrix(rows);
        using (vectors)
        using (norms)
        {
            var answer = ExactNeighbourIndex.Search(vectors, norms, [0, 1, 2, 3, 4], [0, 1, 2, 3, 4], [new NeighbourQuery(rows[2])], 50)[0];
            answer.Count.ShouldBe(5);
            answer[0].Index.ShouldBe(2);
            answer[0].Distance.ShouldBe(0);
        }
    }

    [Fact]
    public void Equal_distances_are_ordered_by_image_index_and_an_excluded_image_is_left_out()
    {
        var rows = RandomVectors(50, Dimension, seed: 4);
        // Rows 31, 7 and 19 are the same vector: a query equal to it is at distance 0 from all three.
        rows[7] = (float[])rows[31].Clone();
        rows[19] = (float[])rows[31].Clone();
        var indices = Enumerable.Range(0, 50).Select(i => (long)i).ToArray();
        var (vectors, norms) = Matrix(rows);
        using (vectors)
        using (norms)
        {
            var all = ExactNeighbourIndex.Search(vectors, norms, indices, indices, [new NeighbourQuery(rows[31])], 4)[0];
            all.Take(3).Select(n => n.Index).ShouldBe([7, 19, 31]);
            all.Take(3).ShouldAllBe(n => n.Distance == 0);
            all[3].Index.ShouldBe(BruteForce(rows, indices, rows[31], 4)[3].Index);

            var excluded = ExactNeighbourIndex.Search(vectors, norms, indices, indices, [new NeighbourQuery(rows[31], ExcludeIndex: 19)], 4)[0];
            excluded.Select(n => n.Index).ShouldBe(BruteForce(rows, indices, rows[31], 4, exclude: 19).Select(e => e.Index));
            excluded.Select(n => n.Index).ShouldNotContain(19);
            excluded.Count.ShouldBe(4);
        }
    }

    [Fact]
    public async Task Searching_files_reads_them_once_and_notices_when_they_change()
    {
        using var folder = new TempDirectory();
        var files = new FeatureFiles(folder.Combine("f.npy"), folder.Combine("l.npy"), folder.Combine("i.npy"));
        var rows = RandomVectors(200, Dimension, seed: 5);
        var indices = Enumerable.Range(0, 200).Select(i => (long)i).ToArray();
        Write(files, rows, indices);
        using var index = new ExactNeighbourIndex();

        var set = await index.DescribeAsync(DatasetSplit.Train, files, CancellationToken.None);
        set.Count.ShouldBe(200);
        set.Dimension.ShouldBe(Dimension);
        var query = RandomVectors(1, Dimension, seed: 6)[0];
        var first = (await index.NearestAsync(files, [new NeighbourQuery(query)], 6, CancellationToken.None))[0];
        first.Select(n => n.Index).ShouldBe(BruteForce(rows, indices, query, 6).Select(e => e.Index));
        first.Select(n => n.Label).ShouldBe(first.Select(n => n.Index % 3));

        // Rewritten with the query itself stored at row 123: the cached matrix must not answer.
        rows[123] = query;
        Write(files, rows, indices);
        File.SetLastWriteTimeUtc(files.Features, DateTime.UtcNow.AddMinutes(5)); // a new stamp even within the clock's granularity
        var second = (await index.NearestAsync(files, [new NeighbourQuery(query)], 6, CancellationToken.None))[0];
        second[0].Index.ShouldBe(123);
        second[0].Distance.ShouldBe(0);
    }

    [Fact]
    public void NumPy_reads_the_header_written_for_each_shape()
    {
        using var folder = new TempDirectory();
        string matrix = folder.Combine("m.npy"), vector = folder.Combine("v.npy");
        var values = new float[] { 1.5f, -2, 3.25f, 0, 5, 6 };
        using (var file = File.Create(matrix))
        {
            file.Write(NpyFile.Header(NpyFile.Float32, 2, 3));
            file.Write(MemoryMarshal.AsBytes(values.AsSpan()));
        }

        NpyFile.WriteInt64(vector, [7, -8, 1L << 40]);
        var output = Python.Run($"import numpy as np; m = np.load('{matrix}'); v = np.load('{vector}'); " +
            "print(m.dtype.str, m.shape, m.tolist(), v.dtype.str, v.shape, v.tolist())");
        output.Trim().ShouldBe("<f4 (2, 3) [[1.5, -2.0, 3.25], [0.0, 5.0, 6.0]] <i8 (3,) [7, -8, 1099511627776]");
    }

    private static void Write(FeatureFiles files, float[][] rows, long[] indices)
    {
        using (var file = new FileStream(files.Features, FileMode.Create))
        {
            file.Write(NpyFile.Header(NpyFile.Float32, rows.Length, rows[0].Length));
            foreach (var row in rows)
            {
                file.Write(MemoryMarshal.AsBytes(row.AsSpan()));
            }
        }

        NpyFile.WriteInt64(files.Labels, indices.Select(i => i % 3).ToArray());
        NpyFile.WriteInt64(files.Indices, indices);
    }
}

/// <summary>Debian's python3 with numpy, as the users of the .npy artifacts read them.</summary>
internal static class Python
{
    public static string Run(string script)
    {
        var start = new System.Diagnostics.ProcessStartInfo("/usr/bin/python3", ["-c", script]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit(120_000).ShouldBeTrue("python3 did not finish in 2 minutes");
        process.ExitCode.ShouldBe(0, error.Result);
        return output.Result;
    }
}
