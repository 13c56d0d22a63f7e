using AlexNet.Experiments.Tests.Shared;
using AlexNet.Experiments.Infrastructure.Storage;
using System.Text.Json.Nodes;
using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Application.Runs.Steps;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Storage;
using AlexNet.Experiments.Domain.Training;
using AlexNet.Experiments.Infrastructure.Torch.Model;
using AlexNet.Experiments.Infrastructure.Torch.Training;
using Microsoft.Extensions.DependencyInjection;

namespace AlexNet.Experiments.Host.Tests.Results;

/// <summary>
/// Two finished runs stored through the host's own store, without training: three epochs of metrics (the learning rate
/// drops before the third), a ten-crop evaluation, the record, and a real TorchSharp checkpoint of a tiny freshly
/// initialised network. The second run differs only in model.lrn.enabled.
/// </summary>
public sealed record FinishedRuns(Guid DatasetId, Guid Baseline, Guid NoLrn, Hyperparameters BaselineHyperparameters)
{
    public static readonly string[] ClassNames = ["circle", "square", "triangle"];

    /// <summary>Large enough weights and LRN alpha that a wrong LRN convention or layer order changes the logits visibly.</summary>
    public static Hyperparameters Tiny(bool lrn) => HyperparameterJson.Merge(
        HyperparameterPresets.All[HyperparameterPresets.Quickstart],
        JsonNode.Parse($$"""
            { "epochs": 3, "model": { "widthMultiplier": 0.125, "init": { "weightStd": 0.2 },
              "lrn": { "enabled": {{(lrn ? "true" : "false")}}, "alpha": 0.05 } } }
            """)!.AsObject());

    public static async Task<FinishedRuns> SeedAsync(IServiceProvider services)
    {
        var store = services.GetRequiredService<ResultsStore>();
        var artifacts = services.GetRequiredService<IArtifactStore>();
        var ct = CancellationToken.None;
        var now = DateTimeOffset.UtcNow;

        var dataset = new Dataset(Guid.NewGuid(), "shapes", "/nowhere/shapes", DatasetFormat.ImageFolder, now);
        await store.AddDatasetAsync(dataset, ct);
        var version = new DatasetVersion(
            new string('a', 64), dataset.Id, new PreprocessingSettings(76), ClassNames, 30, 12, [], null,
            new ColourPca([1, 1, 1], [1, 0, 0, 0, 1, 0, 0, 0, 1]), "/nowhere/store", now);
        await store.AddDatasetVersionAsync(version, ct);

        var baseline = await AddRunAsync("baseline", Tiny(lrn: true), [0.8, 0.5, 0.3]);
        var noLrn = await AddRunAsync("no-lrn", Tiny(lrn: false), [0.85, 0.6, 0.4]);
        return new FinishedRuns(dataset.Id, baseline, noLrn, Tiny(lrn: true));

        async Task<Guid> AddRunAsync(string name, Hyperparameters hyperparameters, double[] validationTop1)
        {
            var json = HyperparameterJson.ToCanonicalJson(hyperparameters);
            var experiment = new Experiment(Guid.NewGuid(), name, dataset.Id, HyperparameterPresets.Quickstart, now);
            var run = Run.Queue(experiment.Id, hyperparameters, now).With(status: RunStatus.Succeeded, datasetVersionHash: version.ContentHash, epochsCompleted: 3);
            await store.AddExperimentAsync(experiment, run, ct);
            await store.SaveHyperparameterRecordAsync(
                new HyperparameterRecord(run.Id, json, HyperparameterJson.Sha256(json), hyperparameters.Seed, version.ContentHash, ClassNames.Length,
                    "test", "0.107.0", "2.10.0", "cpu", now), ct);

            for (int epoch = 1; epoch <= 3; epoch++)
            {
                double error = validationTop1[epoch - 1];
                await store.AddEpochMetricsAsync(new EpochMetrics(
                    run.Id, epoch, TrainLoss: 1.2 - (0.3 * epoch), TrainTop1Error: error - 0.1, TrainTop5Error: 0, ValidationLoss: 1.3 - (0.25 * epoch),
                    ValidationTop1Error: error, ValidationTop5Error: 0, LearningRate: epoch < 3 ? 0.003 : 0.0003, ImagesPerSecond: 900, now), ct);
            }

            await store.SaveEvaluationAsync(new EvaluationResult(
                run.Id, EvaluationCrops.TenCrop, 12, 0.7, 0.25, 0, [0.75, 1, 0.5], [[3, 1, 0], [0, 4, 0], [1, 1, 2]], now), ct);

            var path = Checkpoint.PathFor(artifacts.GetRunDirectory(run.Id), 3);
            using (var model = AlexNetModel.Create(hyperparameters.Model, ClassNames.Length, hyperparameters.Seed))
            using (var optimizer = new SgdOptimizer(model.parameters(), hyperparameters.Optimizer))
            {
                Checkpoint.Save(path, model, optimizer);
            }

            // As the training step records it: with the epoch it belongs to.
            var checkpoint = await artifacts.DescribeAsync(run.Id, Artifact.CheckpointKind, path, ct);
            await store.AddArtifactAsync(checkpoint with { Epoch = 3 }, ct);
            return run.Id;
        }
    }
}
