using System.Diagnostics;
using System.Text.Json.Nodes;
using AlexNet.Experiments.Application.Studies;
using AlexNet.Experiments.Domain.Studies;
using AlexNet.Experiments.Domain.Training;

namespace AlexNet.Experiments.Application.Tests;

/// <summary>
/// Issue 23, item 5: a claim's interval against an independent calculation (Debian's python3 and numpy, with the t quantile
/// found by integrating Student's density itself), the paired design against Welch's, and the verdicts.
/// </summary>
public sealed class ClaimStatisticsTests
{
    private static readonly StudyClaim Lrn = new("LRN helps", "paper", "no LRN", ClaimMetric.TestTop1Error, 0.014);
    private static readonly StudyClaim Relu = new("ReLU trains faster", "paper", "tanh", ClaimMetric.SecondsToTarget, 6);

    [Fact]
    public async Task Paired_and_welch_intervals_match_python()
    {
        double[][] differences = [[0.012, 0.009, 0.011], [-0.02, 0.01, 0.03, 0.005], [1, 2, 4, 8, 16, 32, 64]];
        (double[] Baseline, double[] Variant)[] samples = [([0.30, 0.40, 0.50], [0.312, 0.409, 0.511]), ([1, 2, 3], [2, 5, 9, 4]), ([10, 10.5], [12, 19, 11])];
        var cases = new JsonArray(
            [.. differences.Select(d => (JsonNode)new JsonObject { ["kind"] = "paired", ["differences"] = new JsonArray([.. d.Select(x => (JsonNode)x)]) }),
             .. samples.Select(s => (JsonNode)new JsonObject
             {
                 ["kind"] = "welch", ["baseline"] = new JsonArray([.. s.Baseline.Select(x => (JsonNode)x)]), ["variant"] = new JsonArray([.. s.Variant.Select(x => (JsonNode)x)]),
             })]);
        var expected = await PythonAsync(cases.ToJsonString());

        var actual = differences.Select(ClaimStatistics.Paired).Concat(samples.Select(s => ClaimStatistics.Welch(s.Baseline, s.Variant))).ToList();
        for (int i = 0; i < actual.Count; i++)
        {
            var (design, estimate, half) = actual[i];
            design.ShouldBe(i < differences.Length ? ClaimDesign.Paired : ClaimDesign.Welch);
            estimate.ShouldBe(expected[i]!["estimate"]!.GetValue<double>(), 1e-12);
            (estimate - half).ShouldBe(expected[i]!["lower"]!.GetValue<double>(), 1e-7 * Math.Max(1, half));
            (estimate + half).ShouldBe(expected[i]!["upper"]!.GetValue<double>(), 1e-7 * Math.Max(1, half));
            StudyStatistics.TQuantile975(expected[i]!["df"]!.GetValue<double>()).ShouldBe(expected[i]!["t"]!.GetValue<double>(), 1e-7);
        }

        // The cell interval is the one-sample case of the same t interval.
        var cell = StudyStatistics.Summarise([.. differences[0].Select(d => (double?)d)]);
        cell.Lower95!.Value.ShouldBe(expected[0]!["lower"]!.GetValue<double>(), 1e-9);
        cell.Upper95!.Value.ShouldBe(expected[0]!["upper"]!.GetValue<double>(), 1e-9);
    }

    [Fact]
    public void Shared_seeds_are_paired_and_a_consistent_small_effect_is_reproduced_where_welch_sees_nothing()
    {
        // Seeds move both cells together (0.30, 0.40, 0.50): the variant is about one point worse on every seed.
        var baseline = new Dictionary<int, double> { [1] = 0.30, [2] = 0.40, [3] = 0.50 };
        var variant = new Dictionary<int, double> { [1] = 0.312, [2] = 0.409, [3] = 0.511 };

        var paired = ClaimStatistics.Evaluate(Lrn, baseline, variant);
        paired.Design.ShouldBe(ClaimDesign.Paired);
        paired.Pairs.ShouldBe(3);
        paired.Estimate!.Value.ShouldBe(0.010666666666666666, 1e-12);
        paired.Lower95!.Value.ShouldBe(0.010666666666666666 - (4.302652729749464 * 0.0015275252316519468 / Math.Sqrt(3)), 1e-9);
        paired.Verdict.ShouldBe(ClaimVerdict.Reproduced);
        paired.VerdictText.ShouldBe("reproduced");

        // The same numbers on other seeds cannot be paired: the seed-to-seed spread swamps the effect.
        var unshared = variant.ToDictionary(p => p.Key + 10, p => p.Value);
        var welch = ClaimStatistics.Evaluate(Lrn, baseline, unshared);
        welch.Design.ShouldBe(ClaimDesign.Welch);
        welch.Pairs.ShouldBe(0);
        welch.Estimate!.Value.ShouldBe(paired.Estimate.Value, 1e-12);
        (welch.Upper95!.Value - welch.Lower95!.Value).ShouldBeGreaterThan(50 * (paired.Upper95!.Value - paired.Lower95.Value));
        welch.Verdict.ShouldBe(ClaimVerdict.NotDetectable);
        welch.Bound.ShouldBe(welch.Upper95);
        welch.VerdictText.ShouldBe($"no effect detectable at this scale; the interval excludes effects larger than {welch.Upper95.Value * 100:0.00} points");
    }

    [Fact]
    public void A_time_claim_is_a_ratio_of_paired_times_and_an_effect_on_the_other_side_is_opposite()
    {
        // The paper: tanh takes six times ReLU's time. Here tanh is about twice as fast on every seed.
        var relu = new Dictionary<int, double> { [1] = 100, [2] = 110, [3] = 105 };
        var tanh = new Dictionary<int, double> { [1] = 50, [2] = 60, [3] = 50 };

        var result = ClaimStatistics.Evaluate(Relu, relu, tanh);

        double[] logs = [Math.Log(0.5), Math.Log(60.0 / 110), Math.Log(50.0 / 105)];
        result.Design.ShouldBe(ClaimDesign.Paired);
        result.Estimate!.Value.ShouldBe(Math.Exp(logs.Average()), 1e-12);
        result.Upper95!.Value.ShouldBeLessThan(1);
        result.Verdict.ShouldBe(ClaimVerdict.Opposite);
        ClaimResult.FormatEffect(Relu, 6).ShouldBe("6.00×");
        ClaimResult.FormatEffect(Lrn, -0.014).ShouldBe("−1.40 points");
    }

    [Fact]
    public void A_variant_that_never_reached_the_target_does_not_count_and_too_few_seeds_give_no_interval()
    {
        var result = ClaimStatistics.Evaluate(Relu, new Dictionary<int, double> { [1] = 100, [2] = 110 }, new Dictionary<int, double> { [1] = 300 });

        result.Verdict.ShouldBe(ClaimVerdict.TooFewSeeds);
        result.Estimate.ShouldBeNull();
        (result.BaselineN, result.VariantN).ShouldBe((2, 1));
        result.VerdictText.ShouldBe("too few finished seeds for an interval");
    }

    [Fact]
    public void The_time_to_target_is_interpolated_between_the_points_around_the_first_crossing()
    {
        StepMetrics Point(long images, double error, double seconds) => new(Guid.Empty, 1, (int)images / 10, images, 1, error, 0.1, seconds);
        // 0.26 lies 0.8 of the way from 0.5 (at 1,280 images, 4 s) to 0.2 (at 2,560 images, 10 s); later the error rises above it again.
        var curve = new[] { Point(0640, 0.8, 2), Point(1280, 0.5, 4), Point(2560, 0.2, 10), Point(3840, 0.3, 16), Point(5120, 0.1, 20) };

        var crossing = TargetCrossing.First(curve, 0.26)!;
        crossing.Images.ShouldBe(1280 + (0.8 * 1280), 1e-9);
        crossing.Seconds.ShouldBe(4 + (0.8 * 6), 1e-9);
        TargetCrossing.First(curve, 0.5).ShouldBe(new TargetCrossing(1280, 4), "a point at the target is its crossing");
        TargetCrossing.First(curve, 0.9).ShouldBe(new TargetCrossing(640, 2), "already below at the first point: that point, an upper bound");
        TargetCrossing.First(curve, 0.05).ShouldBeNull("never reached");
        TargetCrossing.First([Point(100, 0.6, 1), Point(200, double.NaN, 2), Point(300, 0.2, 3)], 0.4)!.Images.ShouldBe(200, 1e-9);
    }

    private static async Task<JsonArray> PythonAsync(string input)
    {
        var start = new ProcessStartInfo("/usr/bin/python3", [Path.Combine(AppContext.BaseDirectory, "Studies", "t_intervals.py")])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        process.ExitCode.ShouldBe(0, await error);
        return JsonNode.Parse(await output)!.AsArray();
    }
}
