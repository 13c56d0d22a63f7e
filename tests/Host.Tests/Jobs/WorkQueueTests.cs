using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Training;
using Hangfire;
using Hangfire.States;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AlexNet.Experiments.Host.Tests.Jobs;

/// <summary>
/// Real hosts with real Hangfire on SQLite and real preprocessing; the trainer and evaluator are scripted (these tests are about
/// which worker takes which step, and in what order).
/// </summary>
public sealed class WorkQueueTests : IAsyncDisposable
{
    private readonly string dataDirectory = Path.Combine(Path.GetTempPath(), "alexnet-host-tests", Guid.NewGuid().ToString("N"));
    private readonly ScriptedTraining training = new();

    public async ValueTask DisposeAsync()
    {
        await Task.Yield();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(dataDirectory))
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    private HostFactory Host(string? queues = null) => new(
        services =>
        {
            services.RemoveAll<ITrainer>();
            services.AddSingleton<ITrainer>(training);
            services.RemoveAll<IEvaluator>();
            services.AddSingleton<IEvaluator>(training);
        },
        new Dictionary<string, string>
        {
            ["AlexNet:DataDirectory"] = dataDirectory,
            ["AlexNet:Queues"] = queues ?? "",
        });

    private async Task<string> RegisterDatasetAsync(HostFactory host, HttpClient client)
    {
        var source = Path.Combine(dataDirectory, "sources", "tiny");
        await host.Services.GetRequiredService<ISyntheticDatasetGenerator>()
            .GenerateAsync(new(Classes: 2, TrainPerClass: 2, ValidationPerClass: 1, ImageSize: 40, Seed: 1), source, CancellationToken.None);
        var (_, dataset) = await client.PostAsync("/api/datasets", $$"""{ "name": "tiny", "sourcePath": "{{source}}" }""");
        return dataset!["id"]!.GetValue<string>();
    }

    private static async Task<string> SubmitAsync(HttpClient client, string datasetId, string name, int epochs)
    {
        var (response, submitted) = await client.PostAsync("/api/experiments",
            $$"""{ "name": "{{name}}", "datasetId": "{{datasetId}}", "hyperparameters": { "epochs": {{epochs}}, "evaluation": { "tenCrop": false } } }""");
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, submitted?.ToJsonString());
        return submitted!["runId"]!.GetValue<string>();
    }

    /// <summary>
    /// Proof that the server has polled its queues since now: a marker job enqueued on one of them has run. A fetch reads every
    /// queue the server serves in one query, so a job left enqueued elsewhere was passed over, not yet to be seen.
    /// </summary>
    private static async Task ServerFetchedSinceAsync(JobStorage storage, IBackgroundJobClient jobs, string servedQueue)
    {
        var marker = jobs.Create(Hangfire.Common.Job.FromExpression(() => QueueMarker.Touch()), new EnqueuedState(servedQueue));
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (true)
        {
            using (var connection = storage.GetConnection())
            {
                if (connection.GetStateData(marker).Name == SucceededState.StateName)
                {
                    return;
                }
            }

            DateTime.UtcNow.ShouldBeLessThan(deadline, $"the marker job on '{servedQueue}' never ran");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task A_host_without_the_training_queue_leaves_training_enqueued_there_and_a_host_with_every_queue_finishes_the_run()
    {
        string runId, jobId;
        await using (var host = Host("preprocess, evaluate"))
        {
            var client = host.CreateClient();
            runId = await SubmitAsync(client, await RegisterDatasetAsync(host, client), "split", epochs: 2);
            // Preprocessing runs here; the first epoch (2 epochs left: tier 1) then waits in train-cpu, which no server here takes.
            var storage = host.Services.GetRequiredService<JobStorage>();
            var deadline = DateTime.UtcNow.AddMinutes(1);
            while (storage.GetMonitoringApi().EnqueuedCount("train-cpu-1") == 0)
            {
                DateTime.UtcNow.ShouldBeLessThan(deadline, (await client.GetJsonAsync($"/api/runs/{runId}")).ToJsonString());
                await Task.Delay(100);
            }

            jobId = storage.GetMonitoringApi().EnqueuedJobs("train-cpu-1", 0, 10).Single().Key;
            await ServerFetchedSinceAsync(storage, host.Services.GetRequiredService<IBackgroundJobClient>(), "evaluate");
            using (var connection = storage.GetConnection())
            {
                var state = connection.GetStateData(jobId);
                state.Name.ShouldBe(EnqueuedState.StateName);
                state.Data["Queue"].ShouldBe("train-cpu-1");
            }

            storage.GetMonitoringApi().EnqueuedJobs("train-cpu-1", 0, 10).Select(j => j.Key).ShouldBe([jobId]);
            (await client.GetJsonAsync($"/api/runs/{runId}"))["run"]!["status"]!.GetValue<string>().ShouldBe("Training");
            storage.GetMonitoringApi().Servers().Single().Queues.ShouldBe(["evaluate", "preprocess"]);
            training.Trained.ShouldBeEmpty();
        }

        await using (var host = Host())
        {
            var client = host.CreateClient();
            var run = await client.WaitForRunAsync(runId, TimeSpan.FromMinutes(1));
            run["run"]!["status"]!.GetValue<string>().ShouldBe("Succeeded", run.ToJsonString());
            training.Trained.ShouldBe([(Guid.Parse(runId), 1), (Guid.Parse(runId), 2)]);
            host.Services.GetRequiredService<JobStorage>().GetMonitoringApi().Servers().Single().Queues
                .ShouldBe(["default", "evaluate", "preprocess", .. Enumerable.Range(0, 10).Select(t => $"train-cpu-{t}"), .. Enumerable.Range(0, 10).Select(t => $"train-gpu-{t}")]);
        }
    }

    [Fact]
    public async Task A_short_run_submitted_behind_three_long_ones_waits_only_for_the_running_step_and_the_first_long_run_finishes_next()
    {
        await using var host = Host();
        var client = host.CreateClient();
        var datasetId = await RegisterDatasetAsync(host, client);
        training.HoldFirstEpoch();
        var first = Guid.Parse(await SubmitAsync(client, datasetId, "long-1", epochs: 4));
        await training.FirstEpochStarted.WaitAsync(TimeSpan.FromMinutes(1));

        // One worker, busy with the first long run's first epoch while the others arrive.
        var second = Guid.Parse(await SubmitAsync(client, datasetId, "long-2", epochs: 4));
        var third = Guid.Parse(await SubmitAsync(client, datasetId, "long-3", epochs: 4));
        var shortRun = Guid.Parse(await SubmitAsync(client, datasetId, "short", epochs: 1));
        training.ReleaseFirstEpoch();
        foreach (var id in new[] { first, second, third, shortRun })
        {
            (await client.WaitForRunAsync(id.ToString(), TimeSpan.FromMinutes(2)))["run"]!["status"]!.GetValue<string>().ShouldBe("Succeeded");
        }

        // The short run (tier 0) trains right after the step that was running, and is evaluated before any other training step;
        // then the first long run, nearer its end than the others, runs to completion, then the second, then the third.
        training.Trained.ShouldBe([
            (first, 1), (shortRun, 1), (first, 2), (first, 3), (first, 4),
            (second, 1), (second, 2), (second, 3), (second, 4), (third, 1), (third, 2), (third, 3), (third, 4)]);
        training.Evaluated.ShouldBe([shortRun, first, second, third]);
        training.EvaluatedAfterEpochs[shortRun].ShouldBe(2, "the short run was evaluated after the running epoch and its own");
    }

    /// <summary>Records the order of epochs and evaluations; writes a small file as the checkpoint.</summary>
    private sealed class ScriptedTraining : ITrainer, IEvaluator
    {
        private readonly ConcurrentQueue<(Guid, int)> trained = new();
        private readonly ConcurrentQueue<Guid> evaluated = new();
        private TaskCompletionSource? hold;
        private readonly TaskCompletionSource started = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IReadOnlyList<(Guid RunId, int Epoch)> Trained => trained.ToList();

        public IReadOnlyList<Guid> Evaluated => evaluated.ToList();

        public ConcurrentDictionary<Guid, int> EvaluatedAfterEpochs { get; } = new();

        public Task FirstEpochStarted => started.Task;

        public void HoldFirstEpoch() => hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public void ReleaseFirstEpoch() => hold!.SetResult();

        public async Task<EpochOutcome?> TrainEpochAsync(TrainingRequest request, CancellationToken cancellationToken)
        {
            trained.Enqueue((request.RunId, request.Epoch));
            if (hold is { } gate && started.TrySetResult())
            {
                await gate.Task.WaitAsync(cancellationToken);
            }

            var path = Path.Combine(request.CheckpointDirectory, $"epoch-{request.Epoch:D3}.ckpt");
            await File.WriteAllTextAsync(path, $"{request.RunId} {request.Epoch}", cancellationToken);
            var metrics = new EpochMetrics(request.RunId, request.Epoch, 1.0 / request.Epoch, 0.5, 0, 1, 0.5, 0, request.LearningRate, 1, DateTimeOffset.UtcNow);
            return new EpochOutcome(metrics, path);
        }

        public Task<EvaluationResult> EvaluateAsync(EvaluationRequest request, CancellationToken cancellationToken)
        {
            File.Exists(request.CheckpointPath).ShouldBeTrue(request.CheckpointPath);
            evaluated.Enqueue(request.RunId);
            EvaluatedAfterEpochs[request.RunId] = trained.Count;
            return Task.FromResult(new EvaluationResult(request.RunId, EvaluationCrops.Centre, 2, 0.5, 0.5, 0, [0.5, 0.5], [[1, 0], [1, 0]], DateTimeOffset.UtcNow));
        }
    }
}

/// <summary>A job that does nothing: its running proves a worker fetched from its queue.</summary>
public static class QueueMarker
{
    public static void Touch()
    {
    }
}
