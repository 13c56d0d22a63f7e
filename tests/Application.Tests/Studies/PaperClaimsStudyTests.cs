using System.Text.Json.Nodes;
using AlexNet.Experiments.Application.Experiments;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Tests.Shared;

namespace AlexNet.Experiments.Application.Tests;

/// <summary>
/// docs/REPRODUCTION.md's figures were measured with the fashion-mnist preset of 2026-11-29. The study file overlays the
/// preset of the day, so it has to pin every value the preset has moved since, or the command no longer reproduces them.
/// </summary>
public sealed class PaperClaimsStudyTests
{
    [Fact]
    public void The_paper_claims_study_resolves_to_the_recipe_its_figures_were_measured_with()
    {
        var study = JsonNode.Parse(File.ReadAllText(Path.Combine(Repository.Root(), "docs", "studies", "paper-claims.json")))!;
        study["preset"]!.GetValue<string>().ShouldBe("fashion-mnist");

        var (resolved, failures) = HyperparameterResolution.Resolve("fashion-mnist", study["hyperparameters"]!.AsObject(), ["cpu"]);

        failures.ShouldBeEmpty();
        resolved.ShouldBe(new Hyperparameters
        {
            Seed = 1,
            Epochs = 3,
            BatchSize = 128,
            BatchSlices = 1,
            Model = new ModelHyperparameters
            {
                WidthMultiplier = 0.25,
                InputSize = 26,
                Conv1 = new Conv1Hyperparameters { Kernel = 5, Stride = 1, Padding = 2 },
                Init = new InitHyperparameters { Scheme = InitScheme.LeCun, OneBiasInHiddenLayers = false },
            },
            Optimizer = new OptimizerHyperparameters { LearningRate = 0.01 },
            Schedule = new ScheduleHyperparameters { Kind = ScheduleKind.Step, StepEpochs = 6, MaxDrops = 2 },
            Data = new DataHyperparameters { ImageSize = 28, TrainImages = 5000 },
            Evaluation = new EvaluationHyperparameters { TenCrop = false },
        });
    }
}
