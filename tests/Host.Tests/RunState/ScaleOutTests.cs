using System.Text.RegularExpressions;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Infrastructure.Storage.Datasets;
using AlexNet.Experiments.Tests.Shared;
using Npgsql;

namespace AlexNet.Experiments.Host.Tests.RunState;

/// <summary>
/// Scale-out on a real PostgreSQL server with real processes: an api host and two worker hosts share a sweep of four runs of the
/// same hyperparameters. One worker is SIGKILLed in the middle of a training epoch and the api host is restarted; the other
/// worker resumes the killed run within a minute, every run succeeds bit-identical to the others, and no step ran twice.
/// </summary>
public sealed partial class ScaleOutTests : IAsyncLifetime
{
    private const int Runs = 4;
    private static readonly TimeSpan Resume = TimeSpan.FromSeconds(60);

    private readonly string root = Path.Combine(Path.GetTempPath(), "alexnet-scale-out-tests", Guid.NewGuid().ToString("N"));
    private PostgresServer server = null!;
    private string connectionString = "";

    private string Source => Path.Combine(root, "source");

    public async Task InitializeAsync()
    {
        server = await PostgresServer.GetAsync();
        connectionString = await server.CreateDatabaseAsync();
        // Enough images that an epoch spans several of the 0.2-second training steps, so a kill lands inside one.
        await new SyntheticDatasetGenerator().GenerateAsync(
            new SyntheticDatasetSpec(Classes: 3, TrainPerClass: 60, ValidationPerClass: 8, ImageSize: 80, Seed: 5), Source, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await server.DropDatabaseAsync(connectionString);
        Directory.Delete(root, recursive: true);
    }

    [Fact]
    public async Task Two_workers_share_a_sweep_resume_a_killed_worker_s_run_and_outlive_an_api_restart_bit_identically()
    {
        var data = Path.Combine(root, "data");
        string[] settings = ["--AlexNet:Storage=PostgreSql", $"--ConnectionStrings:AlexNet={connectionString}", .. ReferenceRun.Settings];
        string[] apiSettings = ["--AlexNet:Role=api", .. settings];
        var api = await ChildHost.StartAsync(data, apiSettings); // migrates first, so the workers find the schemas ready
        var workers = await Task.WhenAll(ChildHost.StartWorkerAsync(data, settings), ChildHost.StartWorkerAsync(data, settings));
        try
        {
            var (_, dataset) = await api.Client.PostAsync("/api/datasets", $$"""{ "name": "tiny", "sourcePath": "{{Source}}" }""");
            var runIds = new List<string>();
            for (int i = 0; i < Runs; i++)
            {
                var (_, submitted) = await api.Client.PostAsync("/api/experiments",
                    $$"""{ "name": "sweep {{i}}", "datasetId": "{{dataset!["id"]}}", "preset": "quickstart", "hyperparameters": {{ReferenceRun.Hyperparameters}} }""");
                runIds.Add(submitted!["runId"]!.GetValue<string>());
            }

            // SIGKILL whichever worker first trains a second epoch, in the middle of that step.
            var victimLine = await WaitForAnyAsync(workers, TimeSpan.FromSeconds(90));
            var victim = workers[victimLine.Worker];
            var survivor = workers[1 - victimLine.Worker];
            var killedRun = victimLine.RunId;
            int survivorStepsBefore = StepsOf(survivor.Log, killedRun);
            victim.Kill();
            var killedAt = DateTime.UtcNow;
            var interrupted = TrainingStarts(victim.Log).Last(line => line.Contains(killedRun, StringComparison.Ordinal));

            // The api restarts meanwhile; the workers neither notice nor care.
            await api.DisposeAsync();
            api = await ChildHost.StartAsync(data, apiSettings);

            var deadline = killedAt + Resume;
            while (StepsOf(survivor.Log, killedRun) == survivorStepsBefore)
            {
                DateTime.UtcNow.ShouldBeLessThan(deadline, $"run {killedRun} was not resumed within {Resume}:\n{survivor.Log}");
                await Task.Delay(100);
            }

            var results = new List<(IReadOnlyList<string> Metrics, IReadOnlyList<string> Steps, IReadOnlyList<string> Checkpoints, string Evaluation)>();
            foreach (var runId in runIds)
            {
                var run = await api.Client.WaitForRunAsync(runId, TimeSpan.FromMinutes(2));
                run["run"]!["status"]!.GetValue<string>().ShouldBe("Succeeded", survivor.Log);
                results.Add(await ReferenceRun.ResultsAsync(api.Client, runId));
            }

            // The killed run matches the uninterrupted runs of the same hyperparameters bit for bit.
            var reference = results[runIds.IndexOf(killedRun) == 0 ? 1 : 0];
            reference.Metrics.Count.ShouldBe(2);
            foreach (var result in results)
            {
                result.Metrics.ShouldBe(reference.Metrics);
                result.Steps.ShouldBe(reference.Steps);
                result.Checkpoints.ShouldBe(reference.Checkpoints);
                result.Evaluation.ShouldBe(reference.Evaluation);
            }

            // Both workers took part, and the only training step that started twice is the one the kill interrupted.
            StepsOf(victim.Log, "").ShouldBeGreaterThan(0);
            StepsOf(survivor.Log, "").ShouldBeGreaterThan(0);
            var starts = workers.SelectMany(w => TrainingStarts(w.Log)).ToList();
            starts.GroupBy(s => s).Where(g => g.Count() > 1).Select(g => g.Key).ShouldBe(starts.Count(s => s == interrupted) > 1 ? [interrupted] : []);

            // Hangfire handed no job to two workers.
            (await QueryAsync("SELECT COUNT(*) FROM hangfire.state WHERE name = 'Processing' GROUP BY jobid HAVING COUNT(*) > 1")).ShouldBeEmpty();
            // A step records its run's end before Hangfire records the job's, so the last job may still show as processing briefly.
            await NoJobProcessingAsync(TimeSpan.FromSeconds(15));
            (await QueryAsync("""SELECT COUNT(*) FROM "EpochMetrics" """)).ShouldBe([(Runs * 2).ToString()]);
        }
        finally
        {
            await api.DisposeAsync();
            foreach (var worker in workers)
            {
                await worker.DisposeAsync();
            }
        }
    }

    /// <summary>How many steps of <paramref name="runId"/> (all runs when empty) this log shows starting.</summary>
    private static int StepsOf(string log, string runId) =>
        StepStarted().Matches(log).Count(m => m.Groups["run"].Value.Contains(runId, StringComparison.Ordinal));

    /// <summary>"Run {id} epoch {e}: training from image {n} of {total}": each training step's start, which must be unique.</summary>
    private static List<string> TrainingStarts(string log) => TrainingStart().Matches(log).Select(m => m.Value).ToList();

    private static async Task<(int Worker, string RunId)> WaitForAnyAsync(ChildHost[] workers, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            for (int i = 0; i < workers.Length; i++)
            {
                if (SecondEpochStarted().Match(workers[i].Log) is { Success: true } match)
                {
                    return (i, match.Groups["run"].Value);
                }
            }

            DateTime.UtcNow.ShouldBeLessThan(deadline, $"no worker trained a second epoch:\n{workers[0].Log}\n{workers[1].Log}");
            await Task.Delay(10);
        }
    }

    private async Task NoJobProcessingAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var processing = await QueryAsync(
                "SELECT j.id::text || ' ' || j.invocationdata::text || ' ' || COALESCE(s.data::text, '') FROM hangfire.job j LEFT JOIN hangfire.state s ON s.id = j.stateid WHERE j.statename = 'Processing'");
            if (processing.Count == 0)
            {
                return;
            }

            DateTime.UtcNow.ShouldBeLessThan(deadline, $"jobs still processing:\n{string.Join('\n', processing)}");
            await Task.Delay(100);
        }
    }

    private async Task<List<string>> QueryAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(Convert.ToString(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture)!);
        }

        return rows;
    }

    [GeneratedRegex(@"Run (?<run>[0-9a-f-]{36}) epoch 2: training from image [1-9]\d* of")]
    private static partial Regex SecondEpochStarted();

    [GeneratedRegex(@"\w+ (\d+ )?of run (?<run>[0-9a-f-]{36}) started")]
    private static partial Regex StepStarted();

    [GeneratedRegex(@"Run [0-9a-f-]{36} epoch \d+: training from image \d+ of \d+")]
    private static partial Regex TrainingStart();
}
