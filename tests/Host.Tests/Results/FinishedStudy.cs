using AlexNet.Experiments.Tests.Shared;
using AlexNet.Experiments.Infrastructure.Storage;
using System.Text.Json.Nodes;
using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Storage;
using AlexNet.Experiments.Domain.Studies;
using AlexNet.Experiments.Domain.Training;
using Microsoft.Extensions.DependencyInjection;

namespace AlexNet.Experiments.Host.Tests.Results;

/// <summary>
/// A finished study stored through the host's own stores, without training: model.activation ReLU/Tanh × seeds 1, 2, 3. Every run
/// has three epochs (train top-1 error <see cref="TrainErrors"/>, 10 s and 100 images each, one step point at each epoch's end) and a
/// ten-crop evaluation with top-1 <see cref="EvaluationTop1"/>; Tanh's third seed failed after one epoch. One claim: ReLU → Tanh, test top-1.
/// </summary>
public sealed record FinishedStudy(Guid StudyId, Guid DatasetId, IReadOnlyList<Guid> RunIds)
{
    public static readonly string[] Activations = ["ReLU", "Tanh"];

    /// <summary>[cell][seed]: ReLU 0.30, 0.32, 0.34 (mean 0.32, spread 0.02); Tanh 0.50, 0.60 (mean 0.55, spread ~0.0707), then a failure.</summary>
    public static readonly double[][] EvaluationTop1 = [[0.30, 0.32, 0.34], [0.50, 0.60, double.NaN]];

    /// <summary>[cell]: train top-1 error per epoch. ReLU reaches 25% in epoch 2, Tanh in epoch 3.</summary>
    public static readonly double[][] TrainErrors = [[0.5, 0.2, 0.1], [0.6, 0.4, 0.25]];

    public static async Task<FinishedStudy> SeedAsync(IServiceProvider services, string name = "activation study")
    {
        var store = services.GetRequiredService<ResultsStore>();
        var studies = services.GetRequiredService<IStudyStore>();
        var ct = CancellationToken.None;
        var now = DateTimeOffset.UtcNow;
        var dataset = new Dataset(Guid.NewGuid(), "shapes", "/nowhere/shapes", DatasetFormat.ImageFolder, now);
        await store.AddDatasetAsync(dataset, ct);

        var experiment = new Experiment(Guid.NewGuid(), name, dataset.Id, HyperparameterPresets.Quickstart, now);
        var definition = new JsonObject
        {
            ["hyperparameters"] = new JsonObject { ["epochs"] = 3 },
            ["grid"] = new JsonObject { ["model.activation"] = new JsonArray("ReLU", "Tanh") },
            ["seeds"] = new JsonArray(1, 2, 3),
            ["claims"] = JsonNode.Parse("""[{ "name": "tanh errs more", "baseline": "ReLU", "variant": "Tanh", "metric": "TestTop1Error", "paperEffect": 0.01 }]"""),
        };
        var study = new Study(Guid.NewGuid(), name, dataset.Id, HyperparameterPresets.Quickstart, experiment.Id, definition.ToJsonString(), now);
        var runs = new List<(Run, StudyRun)>();
        for (int cell = 0; cell < 2; cell++)
        {
            for (int seed = 1; seed <= 3; seed++)
            {
                bool failed = double.IsNaN(EvaluationTop1[cell][seed - 1]);
                var hyperparameters = HyperparameterPresets.All[HyperparameterPresets.Quickstart] with
                {
                    Seed = seed,
                    Epochs = 3,
                };
                hyperparameters = hyperparameters with { Model = hyperparameters.Model with { Activation = Enum.Parse<Activation>(Activations[cell]) } };
                var run = Run.Queue(experiment.Id, hyperparameters, now.AddMilliseconds(runs.Count)).With(status: failed ? RunStatus.Failed : RunStatus.Succeeded, epochsCompleted: failed ? 1 : 3, error: failed ? "out of patience" : null);
                runs.Add((run, new StudyRun(study.Id, run.Id, cell, $$"""{"model.activation":"{{Activations[cell]}}"}""", seed)));
            }
        }

        await studies.AddStudyAsync(study, experiment, runs, ct);
        foreach (var (run, link) in runs)
        {
            for (int epoch = 1; epoch <= run.EpochsCompleted; epoch++)
            {
                await store.AddEpochMetricsAsync(new EpochMetrics(
                    run.Id, epoch, 1, TrainErrors[link.Cell][epoch - 1], 0, 1, 0.5, 0.1, 0.003, 100, now)
                { TrainSeconds = 10 }, ct);
                await store.AddStepMetricsAsync([new StepMetrics(run.Id, epoch, 1, 100 * epoch, 1, TrainErrors[link.Cell][epoch - 1], 0.1, 10 * epoch)], ct);
            }

            if (run.Status == RunStatus.Succeeded)
            {
                await store.SaveEvaluationAsync(new EvaluationResult(
                    run.Id, EvaluationCrops.TenCrop, 12, 0.7, EvaluationTop1[link.Cell][link.Seed - 1], 0.05, [1, 1, 1], [[4, 0, 0], [0, 4, 0], [0, 0, 4]], now), ct);
            }
        }

        return new FinishedStudy(study.Id, dataset.Id, runs.Select(r => r.Item1.Id).ToList());
    }
}
