using System.Net;
using System.Text.Json.Nodes;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Training;
using AlexNet.Experiments.Infrastructure.Torch.Training;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AlexNet.Experiments.Host.Tests.RunState;

/// <summary>
/// Two different runs trained at the same time by two Hangfire workers of one real host (TorchSharp, SQLite) end bit-identical
/// to each run trained alone: every random draw comes from the run's own generators.
/// </summary>
public sealed class ConcurrentRunsTests : IAsyncLifetime
{
    // A zero time budget makes every batch its own job, so the runs' partial epochs interleave on the two workers.
    private const string RunA = """{ "seed": 1, "epochs": 2, "batchSize": 16, "model": { "widthMultiplier": 0.125 }, "data": { "imageSize": 72 } }""";
    private const string RunB = """{ "seed": 2, "epochs": 2, "batchSize": 16, "model": { "widthMultiplier": 0.125, "dropout": 0.3 }, "data": { "imageSize": 72 } }""";

    private readonly OverlapProbe probe = new();
    private readonly HostFactory factory;
    private HttpClient client = null!;
    private string datasetId = null!;

    public ConcurrentRunsTests()
    {
        factory = new HostFactory(
            services =>
            {
                services.RemoveAll<ITrainer>();
                services.AddSingleton<ITrainer>(provider => probe.Wrap(ActivatorUtilities.CreateInstance<TorchTrainer>(provider)));
            },
            new Dictionary<string, string>
            {
                ["AlexNet:Workers"] = "2",
                ["AlexNet:TrainingStepMinutes"] = "0",
                ["AlexNet:CheckpointRetention"] = "All",
            });
    }

    public async Task InitializeAsync()
    {
        client = factory.CreateClient();
        var source = Path.Combine(factory.SourcesDirectory, "tiny");
        await factory.Services.GetRequiredService<ISyntheticDatasetGenerator>()
            .GenerateAsync(new SyntheticDatasetSpec(Classes: 3, TrainPerClass: 16, ValidationPerClass: 4, ImageSize: 80, Seed: 3), source, CancellationToken.None);
        var (_, dataset) = await client.PostAsync("/api/datasets", $$"""{ "name": "tiny", "sourcePath": "{{source}}" }""");
        datasetId = dataset!["id"]!.GetValue<string>();
    }

    public async Task DisposeAsync() => await factory.DisposeAsync();

    [Fact]
    public async Task Two_runs_trained_at_once_by_two_workers_equal_each_run_trained_alone()
    {
        var aloneA = await OutcomeAsync(await SubmitAsync("a alone", RunA));
        var aloneB = await OutcomeAsync(await SubmitAsync("b alone", RunB));
        probe.MaxInFlight.ShouldBe(1, "one run at a time");

        probe.MeetNextTwoCalls(); // the two runs' first training jobs start together, one on each worker
        var togetherA = await SubmitAsync("a together", RunA);
        var togetherB = await SubmitAsync("b together", RunB);
        var (sameA, sameB) = (await OutcomeAsync(togetherA), await OutcomeAsync(togetherB));

        probe.MaxInFlight.ShouldBe(2, "the two runs trained at the same time");
        sameA.ShouldBe(aloneA);
        sameB.ShouldBe(aloneB);
        aloneB.ShouldNotBe(aloneA);
    }

    private async Task<string> SubmitAsync(string name, string hyperparameters)
    {
        var (accepted, submitted) = await client.PostAsync("/api/experiments",
            $$"""{ "name": "{{name}}", "datasetId": "{{datasetId}}", "preset": "quickstart", "hyperparameters": {{hyperparameters}} }""");
        accepted.StatusCode.ShouldBe(HttpStatusCode.Accepted, submitted?.ToJsonString());
        return submitted!["runId"]!.GetValue<string>();
    }

    /// <summary>Everything a run's randomness reaches, as text: every epoch's metrics but time and speed, the evaluation, and each checkpoint's SHA-256.</summary>
    private async Task<string> OutcomeAsync(string runId)
    {
        var run = await client.WaitForRunAsync(runId, TimeSpan.FromMinutes(3));
        run["run"]!["status"]!.GetValue<string>().ShouldBe("Succeeded", run.ToJsonString());
        var metrics = (await client.GetJsonAsync($"/api/runs/{runId}/metrics")).AsArray().Select(m => Without(m!, "imagesPerSecond", "recordedAt", "trainSeconds", "runId"));
        var checkpoints = run["artifacts"]!.AsArray().Select(a => $"{a!["name"]} {a["sha256"]}").Order(StringComparer.Ordinal);
        var evaluation = Without(run["evaluation"]!, "runId", "recordedAt");
        return string.Join('\n', [.. metrics, evaluation, .. checkpoints]);
    }

    private static string Without(JsonNode node, params string[] names)
    {
        var copy = node.DeepClone().AsObject();
        foreach (var name in names)
        {
            copy.Remove(name);
        }

        return copy.ToJsonString();
    }

    /// <summary>The real trainer, counting the epochs in training at once; it can hold the next two calls until both have started.</summary>
    private sealed class OverlapProbe
    {
        private readonly Lock gate = new();
        private int inFlight;
        private readonly Barrier meeting = new(2);
        private int seats;

        public int MaxInFlight { get; private set; }

        public void MeetNextTwoCalls() => seats = 2;

        public ITrainer Wrap(ITrainer trainer) => new Probed(this, trainer);

        private sealed class Probed(OverlapProbe probe, ITrainer trainer) : ITrainer
        {
            public async Task<EpochOutcome?> TrainEpochAsync(TrainingRequest request, CancellationToken cancellationToken)
            {
                lock (probe.gate)
                {
                    probe.inFlight++;
                    probe.MaxInFlight = Math.Max(probe.MaxInFlight, probe.inFlight);
                }

                try
                {
                    if (Interlocked.Decrement(ref probe.seats) >= 0)
                    {
                        probe.meeting.SignalAndWait(TimeSpan.FromMinutes(1)).ShouldBeTrue("the other run's first training job did not start");
                    }

                    return await trainer.TrainEpochAsync(request, cancellationToken);
                }
                finally
                {
                    lock (probe.gate)
                    {
                        probe.inFlight--;
                    }
                }
            }
        }
    }
}
