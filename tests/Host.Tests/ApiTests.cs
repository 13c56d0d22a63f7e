using System.Net;

namespace AlexNet.Experiments.Host.Tests;

/// <summary>The API's contract: validation answers, not-found answers, documents and the dashboard. No training runs here.</summary>
public sealed class ApiTests(ApiTests.Host host) : IClassFixture<ApiTests.Host>
{
    public sealed class Host : IAsyncLifetime
    {
        // The default root (<data>/sources) plus the folder of Debian's dataset-fashion-mnist package.
        public HostFactory Factory { get; } = new(settings: new Dictionary<string, string>
        {
            ["AlexNet:DatasetRoots:0"] = "sources",
            ["AlexNet:DatasetRoots:1"] = "/usr/share/datasets",
        });
        public HttpClient Client { get; private set; } = null!;
        public string DatasetId { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Client = Factory.CreateClient();
            DatasetId = await Factory.RegisterOneImageDatasetAsync(Client);
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
    public async Task A_missing_folder_and_one_outside_the_dataset_roots_get_the_same_answer()
    {
        var outside = Path.Combine(Path.GetTempPath(), "alexnet-host-tests", "outside-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(outside, "train", "a"));
        try
        {
            var answers = new List<string>();
            foreach (var path in new[] { outside, outside + "-missing", Path.Combine(host.Factory.DataDirectory, "sources", "..", "..") })
            {
                var (response, problem) = await Client.PostAsync("/api/datasets", $$"""{ "name": "x", "sourcePath": "{{path}}" }""");
                response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
                answers.Add(problem!["errors"]!["sourcePath"]![0]!.GetValue<string>().Replace(path, "<path>"));
            }

            answers.Distinct().ShouldHaveSingleItem().ShouldBe("No dataset folder '<path>' under the configured dataset roots (AlexNet:DatasetRoots).");
        }
        finally
        {
            Directory.Delete(outside, recursive: true);
        }
    }

    [Fact]
    public async Task Registering_the_same_folder_again_by_any_path_returns_the_existing_dataset()
    {
        var (again, dataset) = await Client.PostAsync("/api/datasets", """{ "name": "again", "sourcePath": "sources/one-image" }""");
        again.StatusCode.ShouldBe(HttpStatusCode.OK, dataset?.ToJsonString());
        dataset!["id"]!.GetValue<string>().ShouldBe(host.DatasetId);
        dataset["format"]!.GetValue<string>().ShouldBe("ImageFolder");

        var details = await Client.GetJsonAsync($"/api/datasets/{host.DatasetId}");
        details["dataset"]!["name"]!.GetValue<string>().ShouldBe("one image");
        details["versions"]!.AsArray().ShouldBeEmpty();
        (await Client.GetAsync($"/api/datasets/{Guid.NewGuid()}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_real_fashion_mnist_files_register_in_one_call_as_idx()
    {
        var (response, dataset) = await Client.PostAsync("/api/datasets",
            """{ "name": "fashion-mnist", "sourcePath": "/usr/share/datasets/fashion-mnist", "format": "idx" }""");
        response.StatusCode.ShouldBe(HttpStatusCode.Created, dataset?.ToJsonString());
        dataset!["format"]!.GetValue<string>().ShouldBe("Idx");

        var (wrongFormat, problem) = await Client.PostAsync("/api/datasets",
            """{ "name": "fashion-mnist", "sourcePath": "/usr/share/datasets/fashion-mnist", "format": "Cifar10" }""");
        wrongFormat.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        problem!["errors"]!["sourcePath"]![0]!.GetValue<string>().ShouldContain("batches.meta.txt");

        var (unknownFormat, unknown) = await Client.PostAsync("/api/datasets", """{ "name": "x", "sourcePath": "sources/one-image", "format": "tiff" }""");
        unknownFormat.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        unknown!["errors"]!.AsObject().Select(e => e.Key).ShouldContain("format");

        // Left out, the format is ImageFolder; null is not a format.
        var (nullFormat, nulled) = await Client.PostAsync("/api/datasets", """{ "name": "x", "sourcePath": "sources/one-image", "format": null }""");
        nullFormat.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        nulled!["errors"]!.AsObject().Select(e => e.Key).ShouldContain("format");
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
        (await response.Content.ReadAsStringAsync()).ShouldContain("AlexNet jobs");
    }
}
