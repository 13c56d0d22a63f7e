using System.Net;
using System.Text.Json.Nodes;
using AlexNet.Experiments.Host.Tests.Results;
using Microsoft.Data.Sqlite;

namespace AlexNet.Experiments.Host.Tests;

/// <summary>Studies through HTTP on the real host: submission, the table of a finished study, its CSV, plot and errors.</summary>
public sealed class StudyTests(StudyTests.Host host) : IClassFixture<StudyTests.Host>
{
    public sealed class Host : IAsyncLifetime
    {
        public HostFactory Factory { get; } = new();
        public HttpClient Client { get; private set; } = null!;
        public string DatasetId { get; private set; } = null!;
        public FinishedStudy Finished { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Client = Factory.CreateClient();
            DatasetId = await Factory.RegisterOneImageDatasetAsync(Client);
            Finished = await FinishedStudy.SeedAsync(Factory.Services);
        }

        public async Task DisposeAsync() => await Factory.DisposeAsync();
    }

    private HttpClient Client => host.Client;

    [Fact]
    public async Task A_study_submits_one_run_per_cell_and_seed_with_the_cells_hyperparameters()
    {
        var (response, submitted) = await Client.PostAsync("/api/studies", $$"""
            { "name": "lrn x activation", "datasetId": "{{host.DatasetId}}", "preset": "quickstart", "hyperparameters": { "epochs": 2 },
              "grid": { "model.lrn.enabled": [true, false], "model.activation": ["ReLU", "Tanh"] }, "seeds": [5, 6] }
            """);

        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, submitted?.ToJsonString());
        var studyId = submitted!["studyId"]!.GetValue<string>();
        response.Headers.Location!.ToString().ShouldBe($"/api/studies/{studyId}");
        submitted["runs"]!.AsArray().Count.ShouldBe(8);

        var runs = (await Client.GetJsonAsync($"/api/runs?tag=study:{studyId}&limit=500"))["runs"]!.AsArray();
        runs.Count.ShouldBe(8);
        var seen = new HashSet<string>();
        foreach (var link in submitted["runs"]!.AsArray())
        {
            var run = await Client.GetJsonAsync($"/api/runs/{link!["runId"]}");
            var hyperparameters = run["hyperparameters"]!;
            var values = link["values"]!;
            hyperparameters["model"]!["lrn"]!["enabled"]!.GetValue<bool>().ShouldBe(values["model.lrn.enabled"]!.GetValue<bool>());
            hyperparameters["model"]!["activation"]!.GetValue<string>().ShouldBe(values["model.activation"]!.GetValue<string>());
            hyperparameters["seed"]!.GetValue<int>().ShouldBe(link["seed"]!.GetValue<int>());
            hyperparameters["epochs"]!.GetValue<int>().ShouldBe(2);
            run["run"]!["experimentName"]!.GetValue<string>().ShouldBe("lrn x activation");
            seen.Add($"{values.ToJsonString()} {link["seed"]}");
        }

        seen.Count.ShouldBe(8, "every (cell, seed) once");

        var study = await Client.GetJsonAsync($"/api/studies/{studyId}");
        study["varied"]!.AsArray().Select(v => v!.GetValue<string>()).ShouldBe(["model.lrn.enabled", "model.activation"]);
        study["seeds"]!.AsArray().Select(v => v!.GetValue<int>()).ShouldBe([5, 6]);
        study["rows"]!.AsArray().Count.ShouldBe(8);
        study["cells"]!.AsArray().Select(c => c!["runs"]!.GetValue<int>()).ShouldBe([2, 2, 2, 2]);
        Count($"SELECT COUNT(*) FROM StudyRuns WHERE StudyId = '{studyId}'").ShouldBe(8);
        Count($"SELECT COUNT(*) FROM Studies WHERE Id = '{studyId}'").ShouldBe(1);

        (await Client.GetJsonAsync("/api/studies")).AsArray().Select(s => s!["id"]!.GetValue<string>()).ShouldContain(studyId);
    }

    [Fact]
    public async Task The_table_has_a_row_per_run_and_per_cell_the_mean_and_sample_spread_over_finished_seeds()
    {
        var study = await Client.GetJsonAsync($"/api/studies/{host.Finished.StudyId}?trainErrorTarget=0.25");

        var rows = study["rows"]!.AsArray();
        rows.Count.ShouldBe(6);
        rows.Count(r => r!["status"]!.GetValue<string>() == "Failed").ShouldBe(1);
        rows.ShouldAllBe(r => r!["evaluationCrops"]!.GetValue<string>() == "TenCrop");
        var cells = study["cells"]!.AsArray();
        cells.Select(c => c!["values"]!["model.activation"]!.GetValue<string>()).ShouldBe(FinishedStudy.Activations);

        var relu = cells[0]!;
        relu["finished"]!.GetValue<int>().ShouldBe(3);
        relu["evaluationTop1Error"]!["mean"]!.GetValue<double>().ShouldBe(0.32, 1e-9);
        relu["evaluationTop1Error"]!["spread"]!.GetValue<double>().ShouldBe(0.02, 1e-9);
        // Interpolated on the step points: 0.25 lies 5/6 of the way from 0.5 (100 images, 10 s) to 0.2 (200 images, 20 s).
        relu["imagesToTarget"]!["mean"]!.GetValue<double>().ShouldBe(100 + (500.0 / 6), 1e-9);
        relu["secondsToTarget"]!["mean"]!.GetValue<double>().ShouldBe(10 + (50.0 / 6), 1e-9);
        relu["notReached"]!.GetValue<int>().ShouldBe(0);
        relu["trainingSeconds"]!["mean"]!.GetValue<double>().ShouldBe(30);

        var tanh = cells[1]!;
        tanh["runs"]!.GetValue<int>().ShouldBe(3);
        tanh["finished"]!.GetValue<int>().ShouldBe(2, "the failed seed does not count");
        tanh["evaluationTop1Error"]!["mean"]!.GetValue<double>().ShouldBe(0.55, 1e-9);
        tanh["evaluationTop1Error"]!["spread"]!.GetValue<double>().ShouldBe(Math.Sqrt(0.005), 1e-9);
        tanh["imagesToTarget"]!["mean"]!.GetValue<double>().ShouldBe(300, 1e-9);
        tanh["secondsToTarget"]!["mean"]!.GetValue<double>().ShouldBe(30, 1e-9);
        tanh["secondsToTarget"]!["spread"]!.GetValue<double>().ShouldBe(0, 1e-9);

        // The claim pairs seeds 1 and 2 (Tanh's third failed): differences 0.20 and 0.28, t(0.975, 1 df) = 12.706.
        var claim = study["claims"]!.AsArray().ShouldHaveSingleItem()!;
        claim["design"]!.GetValue<string>().ShouldBe("Paired");
        claim["pairs"]!.GetValue<int>().ShouldBe(2);
        claim["estimate"]!.GetValue<double>().ShouldBe(0.24, 1e-9);
        claim["upper95"]!.GetValue<double>().ShouldBe(0.24 + (12.706204736174703 * 0.04), 1e-6);
        claim["verdict"]!.GetValue<string>().ShouldBe("NotDetectable");

        var withoutTarget = await Client.GetJsonAsync($"/api/studies/{host.Finished.StudyId}");
        withoutTarget["trainErrorTarget"].ShouldBeNull("the study has none of its own");
        withoutTarget["cells"]![0]!["imagesToTarget"]!["n"]!.GetValue<int>().ShouldBe(0);
        withoutTarget["cells"]![0]!["notReached"].ShouldBeNull("nothing to reach");
    }

    [Fact]
    public async Task A_deleted_run_stays_in_the_table_as_deleted()
    {
        var (_, submitted) = await Client.PostAsync("/api/studies", $$"""
            { "name": "to delete from", "datasetId": "{{host.DatasetId}}", "grid": { "model.dropout": [0.1, 0.2] } }
            """);
        var studyId = submitted!["studyId"]!.GetValue<string>();
        var runId = submitted["runs"]![1]!["runId"]!.GetValue<string>();
        await Client.WaitForRunAsync(runId, TimeSpan.FromMinutes(1)); // fails at preprocessing: the dataset has no images

        (await Client.DeleteAsync($"/api/runs/{runId}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        var study = await Client.GetJsonAsync($"/api/studies/{studyId}");
        var row = study["rows"]!.AsArray().Single(r => r!["runId"]!.GetValue<string>() == runId)!;
        row["deleted"]!.GetValue<bool>().ShouldBeTrue();
        row["status"].ShouldBeNull();
        study["cells"]![1]!["runs"]!.GetValue<int>().ShouldBe(1);
        (await Client.GetAsync($"/studies/{studyId}")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task The_csv_has_a_row_per_run_with_the_varied_values()
    {
        var response = await Client.GetAsync($"/api/studies/{host.Finished.StudyId}.csv?trainErrorTarget=0.25");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/csv");
        var lines = (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        lines.Length.ShouldBe(7);
        lines[0].ShouldStartWith("runId,cell,seed,model.activation,status,");
        lines.Count(l => l.Contains(",Tanh,Succeeded,", StringComparison.Ordinal)).ShouldBe(2);
    }

    /// <summary>Issue 25: a variant named like a formula exports as text; a grid's numbers stay numbers.</summary>
    [Fact]
    public async Task The_csv_makes_text_that_begins_like_a_formula_inert()
    {
        var (response, submitted) = await Client.PostAsync("/api/studies", $$"""
            { "name": "=formula study", "datasetId": "{{host.DatasetId}}",
              "grid": { "variant": { "=cmd|' /C calc'!A0": {}, "plain": {} }, "model.dropout": [0.25] } }
            """);
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, submitted?.ToJsonString());

        var rows = await Client.ReadCsvWithPythonAsync($"/api/studies/{submitted!["studyId"]}.csv", host.Factory.DataDirectory);

        rows.Select(r => r["variant"]).ShouldBe(["'=cmd|' /C calc'!A0", "plain"]);
        rows.ShouldAllBe(r => r["model.dropout"] == "0.25");
    }

    [Theory]
    [InlineData("svg")]
    [InlineData("png")]
    public async Task The_comparison_plot_is_an_image(string format)
    {
        var response = await Client.GetAsync($"/api/studies/{host.Finished.StudyId}/plot.{format}");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        if (format == "svg")
        {
            response.Content.Headers.ContentType!.MediaType.ShouldBe("image/svg+xml");
            var svg = System.Text.Encoding.UTF8.GetString(bytes);
            System.Xml.Linq.XDocument.Parse(svg).Root!.Name.LocalName.ShouldBe("svg");
        }
        else
        {
            response.Content.Headers.ContentType!.MediaType.ShouldBe("image/png");
            bytes[..8].ShouldBe(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A });
            using var image = SkiaSharp.SKBitmap.Decode(bytes);
            image.Width.ShouldBe(800);
            await File.WriteAllBytesAsync(Path.Combine(WebAppTests.ScreenshotFolder, "study-plot.png"), bytes);
        }
    }

    [Fact]
    public async Task An_unknown_study_is_404_and_a_bad_target_is_400_naming_it()
    {
        var unknown = Guid.NewGuid();
        (await Client.GetAsync($"/api/studies/{unknown}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await Client.GetAsync($"/api/studies/{unknown}.csv")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await Client.GetAsync($"/api/studies/{unknown}/plot.svg")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await Client.GetAsync($"/api/studies/{host.Finished.StudyId}/plot.gif")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await Client.GetAsync($"/studies/{unknown}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        var bad = await Client.GetAsync($"/api/studies/{host.Finished.StudyId}?trainErrorTarget=2");
        bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        JsonNode.Parse(await bad.Content.ReadAsStringAsync())!["errors"]!.AsObject().Select(e => e.Key).ShouldBe(["trainErrorTarget"]);
    }

    [Fact]
    public async Task The_openapi_document_declares_the_study_error_responses()
    {
        var paths = (await Client.GetJsonAsync("/openapi/v1.json"))["paths"]!;
        string[] Codes(string path, string method) => paths[path]![method]!["responses"]!.AsObject().Select(r => r.Key).ToArray();

        Codes("/api/studies", "post").ShouldBe(["202", "400"], ignoreOrder: true);
        Codes("/api/studies/{studyId}", "get").ShouldBe(["200", "400", "404"], ignoreOrder: true);
        Codes("/api/studies/{studyId}.csv", "get").ShouldBe(["200", "400", "404"], ignoreOrder: true);
        Codes("/api/studies/{studyId}/plot.{format}", "get").ShouldBe(["200", "404"], ignoreOrder: true);
    }

    private long Count(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={host.Factory.ResultsDatabasePath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }
}
