using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace AlexNet.Experiments.Host.Cli;

/// <summary>
/// A bounded load test of a served instance on loopback (docs/RELIABILITY.md): N clients for S seconds each submit an
/// experiment and read it back, then every submission is looked for exactly once in the API and in results.db.
/// Options: --clients 20, --seconds 30, --AlexNet:DataDirectory (default: a fresh temporary folder).
/// </summary>
public static class LoadTestCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var configuration = new ConfigurationBuilder().AddCommandLine(args).Build();
        int clients = configuration.GetValue("clients", 20);
        var duration = TimeSpan.FromSeconds(configuration.GetValue("seconds", 30.0));
        bool temporary = configuration["AlexNet:DataDirectory"] is null;
        var dataDirectory = configuration["AlexNet:DataDirectory"] ?? Path.Combine(Path.GetTempPath(), "alexnet-loadtest-" + Guid.NewGuid().ToString("N"));

        // The whole host, job server included: submitted runs are really scheduled (and fail fast on an emptied dataset).
        await using var app = ExperimentsHost.Create([
            $"--AlexNet:DataDirectory={dataDirectory}", "--urls=http://127.0.0.1:0",
            "--Logging:LogLevel:Default=Critical", "--Logging:LogLevel:Hangfire=Critical"]);
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.Single()), Timeout = TimeSpan.FromSeconds(60) };

        var datasetId = await RegisterEmptiedDatasetAsync(http, Path.Combine(dataDirectory, "sources", "load"));

        Console.WriteLine($"Load test: {clients} clients for {duration.TotalSeconds:F0} s against {http.BaseAddress} ({Environment.ProcessorCount} cores)");
        var latencies = new ConcurrentBag<double>();
        var submitted = new ConcurrentBag<string>();
        int failures = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(client => Task.Run(async () =>
        {
            for (int i = 0; clock.Elapsed < duration; i++)
            {
                var started = clock.Elapsed;
                using var response = await http.PostAsJsonAsync("/api/experiments", new { name = $"load-{client}-{i}", datasetId, preset = "quickstart", hyperparameters = new { epochs = 1 } });
                latencies.Add((clock.Elapsed - started).TotalMilliseconds);
                if (!response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref failures);
                    continue;
                }

                var experimentId = (await response.Content.ReadFromJsonAsync<JsonNode>())!["experimentId"]!.GetValue<string>();
                submitted.Add(experimentId);

                started = clock.Elapsed;
                using var read = await http.GetAsync($"/api/experiments/{experimentId}");
                latencies.Add((clock.Elapsed - started).TotalMilliseconds);
                if (!read.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        })));
        double seconds = clock.Elapsed.TotalSeconds;

        var listed = (await http.GetFromJsonAsync<JsonArray>("/api/experiments"))!.Select(e => e!["experiment"]!["id"]!.GetValue<string>()).ToList();
        var (experimentRows, runRows) = CountRows(Path.Combine(Path.GetFullPath(dataDirectory), "results.db"));
        await app.StopAsync();
        if (temporary)
        {
            SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(dataDirectory, recursive: true);
            }
            catch (IOException)
            {
                // a file still held by a stopping background thread; the temp folder is cleaned by the OS
            }
        }

        var sorted = latencies.Order().ToArray();
        int missing = submitted.Except(listed).Count(), duplicated = listed.Count - listed.Distinct().Count();
        string F(double value) => value.ToString("F1", CultureInfo.InvariantCulture);
        Console.WriteLine($"  requests      {sorted.Length} ({F(sorted.Length / seconds)}/s), {failures} not successful");
        Console.WriteLine($"  latency       p50 {F(Percentile(sorted, 0.50))} ms, p99 {F(Percentile(sorted, 0.99))} ms, max {F(sorted.LastOrDefault())} ms");
        Console.WriteLine($"  submitted     {submitted.Count} experiments (202 answers)");
        Console.WriteLine($"  found         {listed.Count} in GET /api/experiments, {missing} missing, {duplicated} duplicated");
        Console.WriteLine($"  results.db    {experimentRows} experiment rows, {runRows} run rows");
        bool intact = failures == 0 && missing == 0 && duplicated == 0 && experimentRows == submitted.Count && runRows == submitted.Count;
        Console.WriteLine(intact ? "  nothing lost or duplicated" : "  LOST OR DUPLICATED DATA, or failed requests");
        return intact ? 0 : 1;
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private static (long Experiments, long Runs) CountRows(string database)
    {
        using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
        connection.Open();
        long Count(string table)
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT COUNT(*) FROM {table}";
            return (long)command.ExecuteScalar()!;
        }

        return (Count("Experiments"), Count("Runs"));
    }

    /// <summary>
    /// Registration needs one decodable image; removing it afterwards makes every run fail at preprocessing in a moment, so the
    /// job server's work stays small beside the API's.
    /// </summary>
    private static async Task<string> RegisterEmptiedDatasetAsync(HttpClient http, string source)
    {
        var image = Path.Combine(source, "train", "a", "0.png");
        Directory.CreateDirectory(Path.GetDirectoryName(image)!);
        Directory.CreateDirectory(Path.Combine(source, "val", "a"));
        using (var bitmap = new SkiaSharp.SKBitmap(4, 4))
        using (var png = bitmap.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100))
        {
            await File.WriteAllBytesAsync(image, png.ToArray());
        }

        var registered = await http.PostAsJsonAsync("/api/datasets", new { name = "load", sourcePath = source });
        var datasetId = (await registered.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonNode>())!["id"]!.GetValue<string>();
        File.Delete(image);
        return datasetId;
    }
}
