using System.Text.Json;
using System.Text.Json.Nodes;
using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Application.Experiments;
using AlexNet.Experiments.Application.Studies;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Tests.Shared;

namespace AlexNet.Experiments.Application.Tests;

/// <summary>
/// docs/studies/paper-claims.json is the study docs/REPRODUCTION.md is generated from (issue 23): the fashion-mnist preset on all
/// 60,000 images for 4 epochs, three seeds shared by every variant, and one claim per ablation naming two of its cells.
/// </summary>
public sealed class PaperClaimsStudyTests
{
    [Fact]
    public void The_paper_claims_study_resolves_and_every_claim_names_two_of_its_cells()
    {
        var study = JsonNode.Parse(File.ReadAllText(Path.Combine(Repository.Root(), "docs", "studies", "paper-claims.json")))!;
        study["preset"]!.GetValue<string>().ShouldBe("fashion-mnist");

        var (resolved, failures) = HyperparameterResolution.Resolve("fashion-mnist", study["hyperparameters"]!.AsObject(), ["cpu"]);
        failures.ShouldBeEmpty();
        resolved!.Data.TrainImages.ShouldBe(0, "the full 60,000 training images");
        resolved.Epochs.ShouldBe(4);

        var (plan, planFailures) = StudyPlan.Build(
            "fashion-mnist", study["hyperparameters"]!.AsObject(), study["grid"]!.AsObject(), study["seeds"]!.Deserialize<int[]>(), ["cpu"]);
        planFailures.ShouldBeEmpty();
        plan!.Runs.Count.ShouldBe(24);
        plan.Runs.Single(r => r.Seed == 1 && StudyPlan.Label(r.Values) == "no LRN").Hyperparameters.Model.Lrn
            .ShouldBe(new LrnHyperparameters { Enabled = false, KeepScaleWhenDisabled = true });

        var claims = study["claims"].Deserialize<List<StudyClaimRequest>>(HyperparameterJson.Options)!;
        StudyClaims.Check(claims, study["trainErrorTarget"]!.GetValue<double>(), plan).ShouldBeEmpty();
        claims.Select(c => c.Variant).ShouldBe(["tanh", "tanh", "no LRN", "non-overlapping pooling", "no dropout", "one tower", "no intensity noise", "ten-crop test"]);
    }

    [Fact]
    public void A_claim_must_name_cells_of_the_study_and_a_time_claim_needs_a_target()
    {
        var (plan, _) = StudyPlan.Build("quickstart", null, JsonNode.Parse("""{ "model.activation": ["ReLU", "Tanh"] }""")!.AsObject(), [1, 2], ["cpu"]);
        StudyClaimRequest[] claims =
        [
            new("fine", "ReLU", "Tanh", Domain.Studies.ClaimMetric.TestTop1Error, 0.01),
            new("unknown cell", "ReLU", "Sigmoid", Domain.Studies.ClaimMetric.TestTop1Error, 0.01),
            new("no target", "ReLU", "Tanh", Domain.Studies.ClaimMetric.SecondsToTarget, 6),
            new(null, "ReLU", "ReLU", null, 0),
        ];

        var failures = StudyClaims.Check(claims, null, plan!).Select(f => f.PropertyName).ToList();

        failures.ShouldBe(["claims[1].variant", "claims[2].metric", "claims[3].name", "claims[3].variant", "claims[3].metric", "claims[3].paperEffect"]);
    }
}
