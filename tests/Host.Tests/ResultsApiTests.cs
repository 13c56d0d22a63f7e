using System.Net;
using System.Text.Json.Nodes;
using AlexNet.Experiments.Domain.Datasets;
using Microsoft.Extensions.DependencyInjection;

namespace AlexNet.Experiments.Host.Tests;

/// <summary>Search, compare, run control and exports over HTTP, on two tiny runs trained once for the whole class.</summary>
public sealed class ResultsApiTests(ResultsApiTests.TwoRuns runs) : IClassFixture<ResultsApiTests.TwoRuns>
{
    public sealed class TwoRuns : IAsyncLifetime
    {
        private const string Tiny = """ "batchSize": 16, "model": { "widthMultiplier": 0.125 LRN }, "data": { "imageSize": 72 } """;

        public HostFactory Factory { get; } = new();
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
        dataset["id"]!.GetValue<string>().ShouldBe(runs.DatasetId);
        (await Client.GetJsonAsync(location.ToUpperInvariant().Replace("/API/DATASETS/", "/api/datasets/")))["name"]!.GetValue<string>().ShouldBe("tiny");
        (await Client.GetAsync($"/api/datasets/{Guid.NewGuid()}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }
}
