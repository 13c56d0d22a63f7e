using System.Net;
using AlexNet.Experiments.Domain.Training;
using Hangfire;
using Hangfire.InMemory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AlexNet.Experiments.Host.Tests;

/// <summary>Backends are ports: a test replaces the trainer and Hangfire's job store and the same HTTP flow still runs.</summary>
public sealed class BackendSwapTests : IAsyncLifetime
{
    private readonly ScriptedTrainer trainer = new();
    private readonly HostFactory factory;

    public BackendSwapTests()
    {
        factory = new HostFactory(services =>
        {
            services.RemoveAll<ITrainer>();
            services.AddSingleton<ITrainer>(trainer);
            services.RemoveAll<JobStorage>();
            // Resolve Hangfire's configuration first: it points Hangfire's static logging at this host's logger factory.
            services.AddSingleton<JobStorage>(provider =>
            {
                provider.GetRequiredService<IGlobalConfiguration>();
                return new InMemoryStorage();
            });
        });
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await factory.DisposeAsync();

    [Fact]
    public async Task A_run_uses_the_swapped_trainer_and_job_store()
    {
        var client = factory.CreateClient();
        var source = Path.Combine(factory.DataDirectory, "sources", "tiny");
        await factory.Services.GetRequiredService<AlexNet.Experiments.Domain.Datasets.ISyntheticDatasetGenerator>()
            .GenerateAsync(new(Classes: 2, TrainPerClass: 4, ValidationPerClass: 2, ImageSize: 80, Seed: 1), source, CancellationToken.None);
        var (_, dataset) = await client.PostAsync("/api/datasets", $$"""{ "name": "tiny", "sourcePath": "{{source}}" }""");

        var (response, submitted) = await client.PostAsync("/api/experiments",
            $$"""{ "name": "swap", "datasetId": "{{dataset!["id"]}}", "hyperparameters": { "epochs": 3, "evaluation": { "tenCrop": false } } }""");
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);

        var run = await client.WaitForRunAsync(submitted!["runId"]!.GetValue<string>(), TimeSpan.FromMinutes(1));

        run["run"]!["status"]!.GetValue<string>().ShouldBe("Succeeded", run.ToJsonString());
        trainer.Epochs.ShouldBe([1, 2, 3]);
        factory.Services.GetRequiredService<JobStorage>().ShouldBeOfType<InMemoryStorage>();
        var metrics = (await client.GetJsonAsync($"/api/runs/{submitted["runId"]}/metrics")).AsArray();
        metrics.Select(m => m!["trainLoss"]!.GetValue<double>()).ShouldBe([1.0, 0.5, 1.0 / 3], tolerance: 1e-12);
    }

    /// <summary>Writes a real checkpoint through the real model so the real evaluator can load it, but skips the training loop.</summary>
    private sealed class ScriptedTrainer : ITrainer
    {
        public List<int> Epochs { get; } = [];

        public Task<EpochOutcome?> TrainEpochAsync(TrainingRequest request, CancellationToken cancellationToken)
        {
            Epochs.Add(request.Epoch);
            Directory.CreateDirectory(request.CheckpointDirectory);
            var path = Path.Combine(request.CheckpointDirectory, $"epoch-{request.Epoch:D3}.ckpt");
            using (var model = Infrastructure.Torch.Model.AlexNetModel.Create(request.Hyperparameters.Model, request.Dataset.ClassNames.Count, request.Hyperparameters.Seed))
            {
                model.save(path);
            }

            var metrics = new EpochMetrics(request.RunId, request.Epoch, 1.0 / request.Epoch, 0.5, 0, 1, 0.5, 0, request.LearningRate, 1, DateTimeOffset.UtcNow);
            return Task.FromResult<EpochOutcome?>(new EpochOutcome(metrics, path));
        }
    }
}
