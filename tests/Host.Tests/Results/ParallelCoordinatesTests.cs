using System.Text.Json.Nodes;
using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Application.Studies;
using AlexNet.Experiments.Application.Studies.GetStudy;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Host.Pages.Studies;

namespace AlexNet.Experiments.Host.Tests.Results;

/// <summary>The study page's parallel coordinates, from a study's table alone: which axes, and where each run's line passes.</summary>
public sealed class ParallelCoordinatesTests
{
    private static readonly MetricSpread None = new(0, null, null);

    [Fact]
    public void Named_variants_get_an_axis_for_their_name_and_for_each_hyperparameter_a_variant_changes_as_each_cell_resolves_it()
    {
        var grid = JsonNode.Parse("""
            { "variant": { "paper": {}, "no LRN": { "model": { "LRN": { "enabled": false } } }, "tanh": { "model": { "activation": "Tanh" } } },
              "optimizer.learningRate": [0.01, 0.0001] }
            """)!.AsObject();
        var cells = new List<StudyCell>();
        var rows = new List<StudyRow>();
        foreach (var variant in new[] { "paper", "no LRN", "tanh" })
        {
            foreach (var rate in new[] { 0.01, 0.0001 })
            {
                var values = new JsonObject { ["variant"] = variant, ["optimizer.learningRate"] = rate };
                cells.Add(new StudyCell(cells.Count, variant, values, 1, 1, None, None, None, None, None, None, NotReached: null));
                rows.Add(Row(cells.Count - 1, values, RunStatus.Succeeded, error: 0.1 * cells.Count));
            }
        }

        rows.Add(Row(0, cells[0].Values, RunStatus.Failed, error: null)); // no line: it has no final error
        var study = new StudyDetails(
            Guid.NewGuid(), "claims", Guid.NewGuid(), HyperparameterPresets.Quickstart, Guid.NewGuid(), DateTimeOffset.UnixEpoch,
            new JsonObject { ["epochs"] = 2 }, grid, [1], ["variant", "optimizer.learningRate"], null, cells, rows, Claims: [], WallSeconds: null);

        var plot = ParallelCoordinates.For(study);

        plot.Axes.Select(a => a.Path).ShouldBe(["variant", "optimizer.learningRate", "model.lrn.enabled", "model.activation", null]);
        plot.Axes[0].Ticks.Select(t => t.Text).ShouldBe(["paper", "no LRN", "tanh"]);
        plot.Axes[1].Ticks.Select(t => (t.Position, t.Text)).ShouldBe([(1.0, "0.01"), (0.0, "0.0001")]); // logarithmic
        plot.Axes[2].Ticks.Select(t => t.Text).ShouldBe(["true", "false"]);
        plot.Lines.Count.ShouldBe(6);
        plot.Lines[2].Positions.Select(p => Math.Round(p, 9)).ShouldBe([0.5, 1.0, 1.0, 0.0, 0.4]); // "no LRN" at 0.01: LRN off, ReLU; its error 0.3 of 0.1..0.6
        plot.Lines[2].Title.ShouldContain("model.lrn.enabled=false");
    }

    private static StudyRow Row(int cell, JsonObject values, RunStatus status, double? error) =>
        new(Guid.NewGuid(), cell, 1, values, status, false, 2, 2, null, error, null, null, null, null, null, FinishedAt: null);
}
