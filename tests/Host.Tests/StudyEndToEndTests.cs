using System.Net;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Infrastructure.Storage.Datasets;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace AlexNet.Experiments.Host.Tests;

/// <summary>Tiny real studies, trained by TorchSharp through Hangfire on SQLite: over HTTP, and with the `study` command.</summary>
public sealed class StudyEndToEndTests : IAsyncLifetime
{
    private const string TinyRun = """{ "epochs": 1, "batchSize": 16, "model": { "widthMultiplier": 0.125 }, "data": { "imageSize": 72 } }""";
    private const string Grid = """{ "model.activation": ["ReLU", "Tanh"] }""";
    private static readonly SyntheticDatasetSpec Tiny = new(Classes: 3, TrainPerClass: 16, ValidationPerClass: 4, ImageSize: 80, Seed: 3);

    private readonly string scratch = Path.Combine(Path.GetTempPath(), "alexnet-study-tests", Guid.NewGuid().ToString("N"));

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(scratch))
        {
            Directory.Delete(scratch, recursive: true);
        }

        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_study_submitted_over_http_trains_every_cell_and_its_table_has_the_rows()
    {
        await using var factory = new HostFactory();
        var client = factory.CreateClient();
        var source = Path.Combine(factory.SourcesDirectory, "tiny");
        await factory.Services.GetRequiredService<ISyntheticDatasetGenerator>().GenerateAsync(Tiny, source, CancellationToken.None);
        var (_, dataset) = await client.PostAsync("/api/datasets", $$"""{ "name": "tiny", "sourcePath": "{{source}}" }""");

        var (accepted, submitted) = await client.PostAsync("/api/studies",
            $$"""{ "name": "activation", "datasetId": "{{dataset!["id"]}}", "preset": "quickstart", "hyperparameters": {{TinyRun}}, "grid": {{Grid}}, "seeds": [1] }""");
        accepted.StatusCode.ShouldBe(HttpStatusCode.Accepted, submitted?.ToJsonString());
        var url = $"/api/studies/{submitted!["studyId"]}?trainErrorTarget=1";

        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(4);
        var study = await client.GetJsonAsync(url);
        while (study["rows"]!.AsArray().Any(r => r!["status"]!.GetValue<string>() is not ("Succeeded" or "Failed" or "Diverged")))
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, study.ToJsonString());
            await Task.Delay(500);
            study = await client.GetJsonAsync(url);
        }

        var rows = study["rows"]!.AsArray();
        rows.Select(r => r!["values"]!["model.activation"]!.GetValue<string>()).ShouldBe(["ReLU", "Tanh"]);
        foreach (var row in rows)
        {
            row!["status"]!.GetValue<string>().ShouldBe("Succeeded", study.ToJsonString());
            row["epochsCompleted"]!.GetValue<int>().ShouldBe(1);
            row["evaluationCrops"]!.GetValue<string>().ShouldBe("TenCrop");
            row["evaluationTop1Error"]!.GetValue<double>().ShouldBeInRange(0, 1);
            row["trainingSeconds"]!.GetValue<double>().ShouldBeGreaterThan(0, "the trainer measures each epoch");
            row["epochsToTarget"]!.GetValue<int>().ShouldBe(1, "every error is at most 1");
            row["secondsToTarget"]!.GetValue<double>().ShouldBe(row["trainingSeconds"]!.GetValue<double>());
        }

        var cells = study["cells"]!.AsArray();
        cells.Count.ShouldBe(2);
        for (int i = 0; i < 2; i++)
        {
            cells[i]!["finished"]!.GetValue<int>().ShouldBe(1);
            cells[i]!["evaluationTop1Error"]!["mean"]!.GetValue<double>().ShouldBe(rows[i]!["evaluationTop1Error"]!.GetValue<double>());
            cells[i]!["evaluationTop1Error"]!["spread"].ShouldBeNull("one seed has no spread");
        }
    }

    [Fact]
    public async Task The_study_command_registers_the_dataset_runs_the_study_and_prints_the_cell_table()
    {
        var source = Path.Combine(scratch, "datasets", "tiny");
        await new SyntheticDatasetGenerator().GenerateAsync(Tiny, source, CancellationToken.None);
        var file = Path.Combine(scratch, "study.json");
        await File.WriteAllTextAsync(file, $$"""{ "name": "activation", "preset": "quickstart", "hyperparameters": {{TinyRun}}, "grid": {{Grid}} }""");
        var data = Path.Combine(scratch, "data");

        var output = new StringWriter();
        var original = Console.Out;
        Console.SetOut(output);
        int exitCode;
        try
        {
            exitCode = (int)typeof(Program).Assembly.EntryPoint!.Invoke(null, [new[] { "study", "--file", file, "--dataset", source, $"--AlexNet:DataDirectory={data}" }])!;
        }
        finally
        {
            Console.SetOut(original);
        }

        var printed = output.ToString();
        await File.WriteAllTextAsync(Path.Combine(Results.WebAppTests.ScreenshotFolder, "study-cli.txt"), printed);
        exitCode.ShouldBe(0, printed);
        printed.ShouldContain("Registered dataset");
        printed.ShouldContain("Submitted study");
        printed.ShouldContain("1/2 run");
        printed.ShouldContain("2/2 run");
        var table = printed.Split('\n').Where(l => l.StartsWith('|')).ToList();
        table.Count.ShouldBe(4, printed);
        table[0].ShouldStartWith("| model.activation | n | eval top-1 (TenCrop) |");
        table[2].ShouldStartWith("| ReLU | 1/1 | ");
        table[3].ShouldStartWith("| Tanh | 1/1 | ");

        await using var db = new SqliteConnection($"Data Source={Path.Combine(data, "results.db")};Mode=ReadOnly;Pooling=False");
        await db.OpenAsync();
        await using var command = db.CreateCommand();
        command.CommandText = """
            SELECT COUNT(*) FROM StudyRuns l JOIN Runs r ON r.Id = l.RunId JOIN EpochMetrics m ON m.RunId = r.Id
            WHERE r.Status = 'Succeeded' AND m.TrainSeconds > 0
            """;
        (await command.ExecuteScalarAsync()).ShouldBe(2L);
    }
}
