using System.Net;

namespace AlexNet.Experiments.Host.Tests;

/// <summary>The API's contract: validation answers, not-found answers, documents and the dashboard. No training runs here.</summary>
public sealed class ApiTests(ApiTests.Host host) : IClassFixture<ApiTests.Host>
{
    public sealed class Host : IAsyncLifetime
    {
        public HostFactory Factory { get; } = new();
        public HttpClient Client { get; private set; } = null!;
        public string DatasetId { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Client = Factory.CreateClient();
            var source = Path.Combine(Factory.DataDirectory, "sources", "layout");
            Directory.CreateDirectory(Path.Combine(source, "train", "a"));
            Directory.CreateDirectory(Path.Combine(source, "val", "a"));
            var (_, dataset) = await Client.PostAsync("/api/datasets", $$"""{ "name": "layout only", "sourcePath": "{{source}}" }""");
            DatasetId = dataset!["id"]!.GetValue<string>();
        }

        public async Task DisposeAsync() => await Factory.DisposeAsync();
    }

    private HttpClient Client => host.Client;

    [Theory]
    [InlineData("""{ "name": "x", "datasetId": "DATASET", "hyperparameters": { "batchSize": 0 } }""", "hyperparameters.batchSize")]
    [InlineData("""{ "name": "x", "datasetId": "DATASET", "hyperparameters": { "model": { "dropuot": 0.2 } } }""", "hyperparameters.model.dropuot")]
    [InlineData("""{ "name": "x", "datasetId": "DATASET", "hyperparameters": { "optimizer": { "learningRate": "fast" } } }""", "hyperparameters.optimizer.learningRate")]
    [InlineData("""{ "name": "x", "datasetId": "DATASET", "hyperparameters": { "model": { "devices": ["cuda:0", "cuda:1"] } } }""", "hyperparameters.model.devices[0]")]
    [InlineData("""{ "name": "x", "datasetId": "DATASET", "hyperparameters": { "model": { "activation": "Sigmoid" } } }""", "hyperparameters.model.activation")]
    [InlineData("""{ "name": "x", "datasetId": "DATASET", "preset": "vgg" }""", "preset")]
    [InlineData("""{ "name": "", "datasetId": "DATASET" }""", "name")]
    [InlineData("""{ "name": "x", "datasetId": "00000000-0000-0000-0000-000000000001" }""", "datasetId")]
    [InlineData("""{ "name": "x", "datasetId": "not-a-guid" }""", "datasetId")]
    [InlineData("""{ "name": "x", "datasetId": "DATASET", "epochs": 3 }""", "epochs")]
    public async Task Invalid_submissions_get_400_problem_details_naming_the_field(string body, string field)
    {
        var (response, problem) = await Client.PostAsync("/api/experiments", body.Replace("DATASET", host.DatasetId));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, problem?.ToJsonString());
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        problem!["errors"]!.AsObject().Select(e => e.Key).ShouldContain(field, problem.ToJsonString());
        (await Client.GetJsonAsync("/api/experiments")).AsArray().ShouldBeEmpty();
    }

    [Fact]
    public async Task A_body_that_is_not_json_gets_400()
    {
        var (response, problem) = await Client.PostAsync("/api/experiments", "{ name: ");
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        problem!["status"]!.GetValue<int>().ShouldBe(400);
    }

    [Theory]
    [InlineData("""{ "name": "x", "sourcePath": "/no/such/folder" }""", "sourcePath")]
    [InlineData("""{ "name": "", "sourcePath": "/tmp" }""", "name")]
    public async Task Invalid_dataset_registrations_get_400(string body, string field)
    {
        var (response, problem) = await Client.PostAsync("/api/datasets", body);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        problem!["errors"]!.AsObject().Select(e => e.Key).ShouldContain(field);
    }

    [Fact]
    public async Task Unknown_runs_and_experiments_are_404()
    {
        (await Client.GetAsync($"/api/runs/{Guid.NewGuid()}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await Client.GetAsync($"/api/runs/{Guid.NewGuid()}/metrics")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await Client.GetAsync($"/api/experiments/{Guid.NewGuid()}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_model_summary_of_the_paper_preset_has_the_papers_parameter_count()
    {
        var (response, summary) = await Client.PostAsync("/api/models/summary", """{ "preset": "paper-2012" }""");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        summary!["totalParameters"]!.GetValue<long>().ShouldBe(60_965_224);
        summary["layers"]!.AsArray().Select(l => l!["name"]!.GetValue<string>()).ShouldContain("conv1");
    }

    [Fact]
    public async Task The_model_summary_describes_the_papers_two_gpu_plan_on_a_machine_without_gpus()
    {
        var (response, summary) = await Client.PostAsync("/api/models/summary",
            """{ "preset": "paper-2012", "hyperparameters": { "model": { "devices": ["cuda:0", "cuda:1"] } } }""");
        response.StatusCode.ShouldBe(HttpStatusCode.OK, summary?.ToJsonString());
        summary!["totalParameters"]!.GetValue<long>().ShouldBe(60_965_224);
        summary["layers"]!.AsArray().Select(l => l!["device"]!.GetValue<string>()).Distinct().ShouldBe(["cuda:0", "cuda:1"], ignoreOrder: true);
    }

    [Fact]
    public async Task The_model_summary_rejects_a_device_name_that_is_not_one()
    {
        var (response, problem) = await Client.PostAsync("/api/models/summary", """{ "hyperparameters": { "model": { "devices": ["tpu:0"] } } }""");
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        problem!["errors"]!.AsObject().Select(e => e.Key).ShouldContain("hyperparameters.model.devices[0]");
    }

    [Fact]
    public async Task The_openapi_document_lists_the_endpoints()
    {
        var document = await Client.GetJsonAsync("/openapi/v1.json");
        var paths = document["paths"]!.AsObject().Select(p => p.Key).ToList();
        paths.ShouldContain("/api/experiments");
        paths.ShouldContain("/api/runs/{runId}/metrics");
        paths.ShouldContain("/api/models/summary");
    }

    [Fact]
    public async Task The_hangfire_dashboard_is_served()
    {
        var response = await Client.GetAsync("/hangfire");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).ShouldContain("Hangfire Dashboard");
    }
}
