using System.Text.Json.Nodes;
using AlexNet.Experiments.Domain.Jobs;
using AlexNet.Experiments.Domain.Retrieval;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AlexNet.Experiments.Host.Tests.Generated;

/// <summary>
/// The real host on Kestrel (a free loopback port) with its SQLite files, and jobs held instead of run (<see cref="HeldJobs"/>).
/// It holds a dataset, an experiment, a study and their queued runs, whose ids the generator uses; its OpenAPI document is read once.
/// </summary>
public sealed class GeneratedInputFixture : IAsyncLifetime
{
    private readonly HeldJobs jobs = new();

    public GeneratedInputFixture()
    {
        Factory = new HostFactory(
            services =>
            {
                services.RemoveAll<IJobScheduler>();
                services.RemoveAll<IFeatureExtractionScheduler>();
                services.AddSingleton<IJobScheduler>(jobs);
                services.AddSingleton<IFeatureExtractionScheduler>(jobs);
            },
            new Dictionary<string, string> { ["urls"] = "http://127.0.0.1:0" });
        Factory.UseKestrel();
    }

    public HostFactory Factory { get; }

    public HttpClient Client { get; private set; } = null!;

    public ApiDescription Api { get; private set; } = null!;

    public KnownValues Known { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        using var startup = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var start = startup.Token;
        Client = Factory.CreateClient();
        Client.Timeout = TimeSpan.FromSeconds(30);
        Client.BaseAddress!.Host.ShouldBe("127.0.0.1", "Kestrel on a loopback port, not the in-memory test server (http://localhost/)");

        var source = Factory.WriteOneImageSource();
        string datasetId = await CreateAsync("/api/datasets", $$"""{ "name": "one image", "sourcePath": "{{source}}" }""", "id", start);
        string experimentRun = await CreateAsync("/api/experiments", $$"""{ "name": "held", "datasetId": "{{datasetId}}" }""", "runId", start);
        // One run finished (cancelled), so that deleting and reproducing it can succeed; the study's stay queued.
        await PostAsync($"/api/runs/{experimentRun}/cancel", "", start);
        var study = await PostAsync("/api/studies", $$"""{ "name": "held study", "datasetId": "{{datasetId}}", "grid": { "model.dropout": [0.1, 0.2] } }""", start);
        var studyRuns = study["runs"]!.AsArray().Select(r => r!["runId"]!.GetValue<string>()).ToList();
        string experimentId = (await Client.GetJsonAsync($"/api/runs/{experimentRun}"))["run"]!["experimentId"]!.GetValue<string>();

        Api = new ApiDescription(await Client.GetJsonAsync("/openapi/v1.json"));
        var hyperparameters = Api.Resolve(new JsonObject { ["$ref"] = "#/components/schemas/Hyperparameters" });
        Known = new KnownValues(
            new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase)
            {
                ["datasetId"] = [datasetId],
                ["experimentId"] = [experimentId],
                ["studyId"] = [study["studyId"]!.GetValue<string>()],
                ["runId"] = [experimentRun, .. studyRuns],
                ["ids"] = [$"{experimentRun},{studyRuns[0]}", string.Join(',', studyRuns), experimentRun],
                ["sourcePath"] = [source, Factory.SourcesDirectory],
                ["image"] = ["val:0", "train:1", "val:99"],
                ["split"] = ["train", "val"],
                ["format"] = ["svg", "png"],
                ["metric"] = ["loss", "top1", "top5"],
                ["name"] = ["loss", "confusion", "kernels", "generated", "checkpoint-epoch-1.pt"],
                ["filter"] = ["epochs=1", "validationTop1Error<0.5", "model.lrn.enabled=false", "optimizer.learningRate>=0.001"],
                ["status"] = ["Queued", "Succeeded,Failed", "Cancelled"],
                ["orderBy"] = ["createdAt", "validationLoss", "epochsCompleted"],
                ["direction"] = ["asc", "desc"],
                ["tag"] = ["a", "b"],
                ["q"] = ["held", "one image"],
            },
            ["x", "held", "a b", "quickstart", "train", "val", "loss", "Queued"],
            [.. Api.PropertyPaths(hyperparameters), "variant"]);
    }

    public async Task DisposeAsync() => await Factory.DisposeAsync();

    private async Task<JsonNode> PostAsync(string url, string json, CancellationToken cancellationToken)
    {
        using var response = await Client.PostAsync(url, new StringContent(json, System.Text.Encoding.UTF8, "application/json"), cancellationToken);
        string body = await response.Content.ReadAsStringAsync(cancellationToken);
        response.IsSuccessStatusCode.ShouldBeTrue($"{url}: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!;
    }

    private async Task<string> CreateAsync(string url, string json, string idField, CancellationToken cancellationToken) =>
        (await PostAsync(url, json, cancellationToken))[idField]!.GetValue<string>();
}
