using System.Net;
using System.Xml.Linq;
using AlexNet.Experiments.Application.Studies.GetStudy;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Host.Cli;
using Mediator;
using AlexNet.Experiments.Infrastructure.Storage.Datasets;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace AlexNet.Experiments.Host.Tests;

/// <summary>Tiny real studies, trained by TorchSharp through Hangfire on SQLite: over HTTP, and with the `study` command.</summary>
public sealed class StudyEndToEndTests : IAsyncLifetime
{
    private const string TinyRun = """{ "epochs": 1, "batchSize": 16, "model": { "widthMultiplier": 0.125 }, "data": { "imageSize": 72 } }""";
    private const string Grid = """{ "model.activation": ["ReLU", "Tanh"] }""";

    /// <summary>A target every run reaches at its first step point (errors are at most 1), and a claim of each kind.</summary>
    private const string Claims = """
        "trainErrorTarget": 1, "claims": [
          { "name": "ReLU is faster", "baseline": "ReLU", "variant": "Tanh", "metric": "SecondsToTarget", "paperEffect": 6 },
          { "name": "tanh errs more", "baseline": "ReLU", "variant": "Tanh", "metric": "TestTop1Error", "paperEffect": 0.01 } ]
        """;
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
            $$"""{ "name": "activation", "datasetId": "{{dataset!["id"]}}", "preset": "quickstart", "hyperparameters": {{TinyRun}}, "grid": {{Grid}}, "seeds": [1, 2], {{Claims}} }""");
        accepted.StatusCode.ShouldBe(HttpStatusCode.Accepted, submitted?.ToJsonString());
        var url = $"/api/studies/{submitted!["studyId"]}";

        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(4);
        var study = await client.GetJsonAsync(url);
        while (study["rows"]!.AsArray().Any(r => r!["status"]!.GetValue<string>() is not ("Succeeded" or "Failed" or "Diverged")))
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, study.ToJsonString());
            await Task.Delay(500);
            study = await client.GetJsonAsync(url);
        }

        var rows = study["rows"]!.AsArray();
        rows.Select(r => r!["values"]!["model.activation"]!.GetValue<string>()).ShouldBe(["ReLU", "ReLU", "Tanh", "Tanh"]);
        study["trainErrorTarget"]!.GetValue<double>().ShouldBe(1, "the study's own target");
        foreach (var row in rows)
        {
            row!["status"]!.GetValue<string>().ShouldBe("Succeeded", study.ToJsonString());
            row["epochsCompleted"]!.GetValue<int>().ShouldBe(1);
            row["evaluationCrops"]!.GetValue<string>().ShouldBe("TenCrop");
            row["evaluationTop1Error"]!.GetValue<double>().ShouldBeInRange(0, 1);
            row["trainingSeconds"]!.GetValue<double>().ShouldBeGreaterThan(0, "the trainer measures each epoch");
            // Every error is at most 1: the target is reached at the first step point (batch 1 of 48 / 16 = 3), with nothing earlier.
            var steps = (await client.GetJsonAsync($"/api/runs/{row["runId"]}/steps"))["points"]!.AsArray();
            row["imagesToTarget"]!.GetValue<double>().ShouldBe(steps[0]!["imagesSeen"]!.GetValue<double>());
            row["secondsToTarget"]!.GetValue<double>().ShouldBe(steps[0]!["wallSeconds"]!.GetValue<double>());
        }

        var cells = study["cells"]!.AsArray();
        cells.Count.ShouldBe(2);
        for (int i = 0; i < 2; i++)
        {
            cells[i]!["finished"]!.GetValue<int>().ShouldBe(2);
            cells[i]!["notReached"]!.GetValue<int>().ShouldBe(0);
            cells[i]!["evaluationTop1Error"]!["mean"]!.GetValue<double>().ShouldBe(
                (rows[2 * i]!["evaluationTop1Error"]!.GetValue<double>() + rows[(2 * i) + 1]!["evaluationTop1Error"]!.GetValue<double>()) / 2, 1e-12);
        }

        // The claims: paired on seeds 1 and 2, the same at the API and on the generated page.
        var claims = study["claims"]!.AsArray();
        claims.Select(c => c!["design"]!.GetValue<string>()).ShouldBe(["Paired", "Paired"]);
        var details = (await factory.Services.CreateScope().ServiceProvider.GetRequiredService<IMediator>()
            .Send(new GetStudyQuery(Guid.Parse(submitted["studyId"]!.GetValue<string>()))))!;
        var page = Path.Combine(scratch, "docs", "REPRODUCTION.md");
        await ReproductionPage.WriteAsync(factory.Services.CreateScope().ServiceProvider.GetRequiredService<IMediator>(), details, page, CancellationToken.None);
        var markdown = await File.ReadAllTextAsync(page);
        markdown.ShouldContain($"Study `{details.Id}`");
        foreach (var claim in claims)
        {
            var result = details.Claims.Single(c => c.Claim.Name == claim!["claim"]!["name"]!.GetValue<string>());
            result.Estimate!.Value.ShouldBe(claim!["estimate"]!.GetValue<double>());
            markdown.ShouldContain($"| {result.Claim.Name} | ReLU → Tanh |");
            markdown.ShouldContain(claim["verdictText"]!.GetValue<string>());
        }

        foreach (var svg in new[] { ReproductionPage.CurvesFile, ReproductionPage.TestErrorFile })
        {
            XDocument.Load(Path.Combine(scratch, "docs", "reproduction", svg)).Root!.Name.LocalName.ShouldBe("svg");
            markdown.ShouldContain($"(reproduction/{svg})");
        }
    }

    [Fact]
    public async Task The_study_command_registers_the_dataset_runs_the_study_prints_the_cell_table_and_writes_the_page_again_from_the_store()
    {
        var source = Path.Combine(scratch, "datasets", "tiny");
        await new SyntheticDatasetGenerator().GenerateAsync(Tiny, source, CancellationToken.None);
        var file = Path.Combine(scratch, "study.json");
        await File.WriteAllTextAsync(file, $$"""{ "name": "activation", "preset": "quickstart", "hyperparameters": {{TinyRun}}, "grid": {{Grid}}, {{Claims}} }""");
        var data = Path.Combine(scratch, "data");
        var page = Path.Combine(scratch, "docs", "REPRODUCTION.md");

        var (exitCode, printed) = Study(["--file", file, "--dataset", source, $"--AlexNet:DataDirectory={data}", "--markdown", page]);

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

        // One seed per cell: the claims have no interval, and say so.
        var markdown = await File.ReadAllTextAsync(page);
        await File.WriteAllTextAsync(Path.Combine(Results.WebAppTests.ScreenshotFolder, "study-page.md"), markdown);
        File.Copy(Path.Combine(scratch, "docs", "reproduction", ReproductionPage.CurvesFile), Path.Combine(Results.WebAppTests.ScreenshotFolder, "study-curves.svg"), overwrite: true);
        markdown.ShouldContain("| ReLU is faster | ReLU → Tanh |");
        markdown.ShouldContain("too few finished seeds for an interval");
        File.Exists(Path.Combine(scratch, "docs", "reproduction", ReproductionPage.CurvesFile)).ShouldBeTrue();

        // --id rebuilds the page from the store alone: no dataset, no training, the same page.
        var studyId = printed.Split('\n').Single(l => l.StartsWith("Submitted study ", StringComparison.Ordinal))["Submitted study ".Length..].Split(':')[0];
        var again = Path.Combine(scratch, "again", "REPRODUCTION.md");
        var (regenerated, printedAgain) = Study(["--id", studyId, $"--AlexNet:DataDirectory={data}", "--markdown", again]);
        regenerated.ShouldBe(0, printedAgain);
        printedAgain.ShouldNotContain("Submitted study");
        (await File.ReadAllTextAsync(again)).ShouldBe(markdown);
    }

    private static (int ExitCode, string Printed) Study(string[] arguments)
    {
        var output = new StringWriter();
        var original = Console.Out;
        Console.SetOut(output);
        try
        {
            string[] commandLine = ["study", .. arguments];
            return ((int)typeof(Program).Assembly.EntryPoint!.Invoke(null, [commandLine])!, output.ToString());
        }
        finally
        {
            Console.SetOut(original);
        }
    }
}
