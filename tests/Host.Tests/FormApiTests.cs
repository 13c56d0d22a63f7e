using System.Net;
using System.Text.Json.Nodes;
using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Infrastructure.Storage;
using AlexNet.Experiments.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace AlexNet.Experiments.Host.Tests;

/// <summary>
/// What the web forms read besides the submission itself: a preset resolved, the estimate of a submission against a budget
/// (here a 2 GB memory budget), and the progress of several runs in one read. No training runs here.
/// </summary>
public sealed class FormApiTests(FormApiTests.Host host) : IClassFixture<FormApiTests.Host>
{
    public sealed class Host : IAsyncLifetime
    {
        public HostFactory Factory { get; } = new(settings: new Dictionary<string, string> { ["AlexNet:MemoryBudgetBytes"] = "2e9" });
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

    [Fact]
    public async Task A_preset_resolves_to_every_hyperparameter_and_an_unknown_one_is_404()
    {
        var preset = await Client.GetJsonAsync("/api/presets/Quickstart");

        preset["name"]!.GetValue<string>().ShouldBe("quickstart");
        HyperparameterJson.ToCanonicalJson(HyperparameterJson.FromJson(preset["hyperparameters"]!.ToJsonString()))
            .ShouldBe(HyperparameterJson.ToCanonicalJson(HyperparameterPresets.All[HyperparameterPresets.Quickstart]));
        var missing = await Client.GetAsync("/api/presets/vgg");
        missing.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        missing.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
    }

    [Fact]
    public async Task An_estimate_gives_the_footprint_and_budgets_and_says_when_a_run_would_not_fit()
    {
        var rows = StoredRows.Count(host.Factory.ResultsDatabasePath);
        var (small, fits) = await Client.PostAsync("/api/experiments/estimate", $$"""{ "datasetId": "{{host.DatasetId}}", "preset": "quickstart" }""");
        small.StatusCode.ShouldBe(HttpStatusCode.OK, fits?.ToJsonString());
        var footprint = RunFootprint.Estimate(HyperparameterPresets.All[HyperparameterPresets.Quickstart], classCount: 2, imageCount: 2);
        fits!["memoryBytes"]!.GetValue<double>().ShouldBe(footprint.MemoryBytes);
        fits["diskBytes"]!.GetValue<double>().ShouldBe(footprint.DiskBytes);
        fits["memoryBudget"]!["bytes"]!.GetValue<double>().ShouldBe(2e9);
        fits["memoryBudget"]!["source"]!.GetValue<string>().ShouldBe("AlexNet:MemoryBudgetBytes");
        fits["diskBudget"]!["bytes"]!.GetValue<double>().ShouldBeGreaterThan(0);
        fits["fits"]!.GetValue<bool>().ShouldBeTrue();

        var (large, tooLarge) = await Client.PostAsync("/api/experiments/estimate",
            $$"""{ "datasetId": "{{host.DatasetId}}", "preset": "paper-2012" }""");
        large.StatusCode.ShouldBe(HttpStatusCode.OK);
        tooLarge!["fits"]!.GetValue<bool>().ShouldBeFalse();
        tooLarge["problems"]![0]!.GetValue<string>().ShouldContain("of memory; the budget is 2.0 GB (AlexNet:MemoryBudgetBytes).");

        // The submission's own rules, with the same field names; and an estimate stores nothing either way.
        var (invalid, problem) = await Client.PostAsync("/api/experiments/estimate",
            $$"""{ "datasetId": "{{host.DatasetId}}", "hyperparameters": { "optimizer": { "learningRate": -1 } } }""");
        invalid.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        problem!["errors"]!.AsObject().Select(e => e.Key).ShouldBe(["hyperparameters.optimizer.learningRate"]);
        StoredRows.Count(host.Factory.ResultsDatabasePath).ShouldBe(rows);
    }

    [Fact]
    public async Task Progress_answers_for_the_runs_it_knows_and_refuses_what_is_not_a_run_id()
    {
        var store = host.Factory.Services.GetRequiredService<ResultsStore>();
        var experiment = new Experiment(Guid.NewGuid(), "progress", Guid.Parse(host.DatasetId), HyperparameterPresets.Quickstart, DateTimeOffset.UtcNow);
        var queued = Run.Queue(experiment.Id, HyperparameterPresets.All[HyperparameterPresets.Quickstart], DateTimeOffset.UtcNow);
        await store.AddExperimentAsync(experiment, queued, CancellationToken.None);
        var finished = Run.Queue(experiment.Id, queued.Hyperparameters, DateTimeOffset.UtcNow).With(status: RunStatus.Succeeded, epochsCompleted: 12);
        await store.AddRunAsync(finished, CancellationToken.None);

        var runs = (await Client.GetJsonAsync($"/api/runs/progress?ids={queued.Id},{finished.Id},{Guid.NewGuid()}")).AsArray();

        var byId = runs.ToDictionary(r => r!["id"]!.GetValue<Guid>());
        byId.Keys.ShouldBe([queued.Id, finished.Id], ignoreOrder: true);
        (byId[queued.Id]!["status"]!.GetValue<string>(), byId[queued.Id]!["finished"]!.GetValue<bool>()).ShouldBe(("Queued", false));
        (byId[finished.Id]!["status"]!.GetValue<string>(), byId[finished.Id]!["finished"]!.GetValue<bool>()).ShouldBe(("Succeeded", true));
        byId[finished.Id]!["epochsCompleted"]!.GetValue<int>().ShouldBe(12);
        byId[queued.Id]!["progress"].ShouldBeNull();

        var invalid = await Client.GetAsync("/api/runs/progress?ids=1,2");
        invalid.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = JsonNode.Parse(await invalid.Content.ReadAsStringAsync());
        problem!["errors"]!.AsObject().Select(e => e.Key).ShouldBe(["ids[0]", "ids[1]"]);
        (await Client.GetAsync("/api/runs/progress")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }
}
