using System.Globalization;
using System.Text;
using AlexNet.Experiments.Application.Runs.GetRunSteps;
using AlexNet.Experiments.Application.Studies;
using AlexNet.Experiments.Application.Studies.GetStudy;
using AlexNet.Experiments.Domain.Studies;
using AlexNet.Experiments.Host.Plots;
using Mediator;
using ScottPlot;

namespace AlexNet.Experiments.Host.Cli;

/// <summary>
/// The reproduction page of a stored study: a fixed template around figures that all come from the store (the claims with their
/// intervals and verdicts, the cells, the runs), and its SVG plots in a folder beside it named after the page
/// (docs/REPRODUCTION.md → docs/reproduction/). Only the machine line describes the process that writes the page.
/// </summary>
public static class ReproductionPage
{
    public const string CurvesFile = "training-curves.svg";
    public const string TestErrorFile = "test-error.svg";

    public static async Task WriteAsync(IMediator mediator, StudyDetails study, string markdownPath, CancellationToken cancellationToken)
    {
        string markdown = Path.GetFullPath(markdownPath);
        string folderName = Path.GetFileNameWithoutExtension(markdown).ToLowerInvariant();
        string folder = Path.Combine(Path.GetDirectoryName(markdown)!, folderName);
        Directory.CreateDirectory(folder);

        var curves = new List<(string Label, IReadOnlyList<(double Images, double Top1Error)> Curve)>();
        foreach (var cell in CurveCells(study))
        {
            var runs = new List<IReadOnlyList<Domain.Training.StepMetrics>>();
            foreach (var row in study.Rows.Where(r => r.Cell == cell.Cell && r.Status == Domain.Experiments.RunStatus.Succeeded))
            {
                runs.Add((await mediator.Send(new GetRunStepsQuery(row.RunId), cancellationToken))?.Points ?? []);
            }

            curves.Add((cell.Label, MeanCurve.Of(runs)));
        }

        await File.WriteAllBytesAsync(Path.Combine(folder, CurvesFile), Svg(StudyPlots.TrainingCurves(
            "Training top-1 error against images seen (the paper's Figure 1)", curves, study.TrainErrorTarget)), cancellationToken);
        await File.WriteAllBytesAsync(Path.Combine(folder, TestErrorFile), Svg(StudyPlots.Cells(study)), cancellationToken);
        await File.WriteAllTextAsync(markdown, Markdown(study, folderName), cancellationToken);
    }

    /// <summary>The cells a time claim compares (ReLU and tanh), else every cell.</summary>
    private static IReadOnlyList<StudyCell> CurveCells(StudyDetails study)
    {
        var named = study.Claims.Where(c => c.Claim.IsRatio).SelectMany(c => new[] { c.Claim.Baseline, c.Claim.Variant }).ToHashSet();
        return named.Count == 0 ? study.Cells : study.Cells.Where(c => named.Contains(c.Label)).ToList();
    }

    private static byte[] Svg(Plot plot) => RunPlots.Render(plot, PlotFormat.Svg, RunPlots.Width, RunPlots.Height);

    public static string Markdown(StudyDetails study, string figures)
    {
        var text = new StringBuilder();
        string target = Percent(study.TrainErrorTarget);
        text.Append($"""
            # The paper's claims, measured through the pipeline

            <!-- Generated from the stored study by `study --id {study.Id} --markdown <this file>`; the prose is a template in
                 src/Host/Cli/ReproductionPage.cs. Do not edit by hand. -->

            Krizhevsky, Sutskever and Hinton (2012) make a handful of claims about what each part of AlexNet buys. This page
            tests each of them with one study: every variant changes one thing against the unchanged recipe, and every cell
            trains on the same seeds, so each effect is measured seed by seed (paired). Read the figures as what this recipe
            does at this scale, not as a test of the paper on ImageNet.

            ## How it was measured

            Study `{study.Id}` ("{study.Name}"): preset `{study.Preset}`, seeds {string.Join(", ", study.Seeds)}, {study.Rows.Count} runs,
            {Duration(study.WallSeconds)} from submission to the last run's end ({Duration(study.Rows.Sum(r => r.TrainingSeconds ?? 0))}
            of training summed over the runs), on {Machine()} (the machine that wrote this page). Overrides shared by every run:

            ```json
            {study.Hyperparameters.ToJsonString()}
            ```

            Each variant's overrides on top of them:

            | cell | overrides |
            |---|---|

            """);
        foreach (var cell in study.Cells)
        {
            var overrides = study.Grid[StudyPlan.VariantAxis]?[cell.Label]?.ToJsonString() ?? StudyPlan.Describe(cell.Values);
            text.Append($"| {cell.Label} | `{overrides}` |\n");
        }

        text.Append($"""

            A claim's effect is the difference of the two cells' means (variant − baseline) for a test error, and the ratio of their
            times for a time to {target} training top-1 error. Its 95% interval is Student's t on the per-seed differences when both
            cells finished the same seeds (paired; a ratio is a difference of logs, exponentiated back), and Welch's otherwise. The
            verdict is "reproduced" when the interval excludes no effect on the paper's side, "opposite" when it does on the other
            side, and otherwise says which effects the interval still excludes. A removed layer that also scaled the activations
            (LRN divides by about k^β) is replaced by that constant, so the comparison changes the normalisation, not the step size;
            the overrides above say where.

            ## Claims

            | claim | baseline → variant | metric | the paper | measured (95% interval) | design, n | verdict |
            |---|---|---|---:|---:|---|---|

            """);
        foreach (var claim in study.Claims)
        {
            text.Append($"| {claim.Claim.Name} | {claim.Claim.Baseline} → {claim.Claim.Variant} | {Metric(claim.Claim, target)} | ")
                .Append($"{ClaimResult.FormatEffect(claim.Claim, claim.Claim.PaperEffect)} | {Measured(claim)} | {Design(claim)} | {claim.VerdictText} |\n");
        }

        text.Append($"""

            ## Cells

            Mean [95% interval] over each cell's succeeded runs (n). Test errors are the final evaluation on the held-out split; the
            training error is the last epoch's; the time to {target} training error is read off each run's step-level curve
            (interpolated between the two points around the first crossing), over the runs that reached it.

            | cell | n | test top-1 | test top-5 | train top-1 | training s | images to {target} | seconds to {target} | not reached |
            |---|---:|---:|---:|---:|---:|---:|---:|---:|

            """);
        foreach (var cell in study.Cells)
        {
            text.Append($"| {cell.Label} | {cell.Finished}/{cell.Runs} | {Interval(cell.EvaluationTop1Error, Percent)} | {Interval(cell.EvaluationTop5Error, Percent)} | ")
                .Append($"{Interval(cell.TrainTop1Error, Percent)} | {Interval(cell.TrainingSeconds, Number)} | {Interval(cell.ImagesToTarget, Number)} | ")
                .Append($"{Interval(cell.SecondsToTarget, Number)} | {cell.NotReached?.ToString() ?? "–"} |\n");
        }

        text.Append($"""

            ![training curves]({figures}/{CurvesFile})

            ![test error per cell]({figures}/{TestErrorFile})

            ## Runs

            | cell | seed | run | status | crops | test top-1 | train top-1 | training s | seconds to {target} |
            |---|---:|---|---|---|---:|---:|---:|---:|

            """);
        foreach (var row in study.Rows)
        {
            text.Append($"| {StudyPlan.Label(row.Values)} | {row.Seed} | `{row.RunId.ToString()[..8]}` | {(row.Deleted ? "deleted" : row.Status)} | {row.EvaluationCrops} | ")
                .Append($"{Percent(row.EvaluationTop1Error)} | {Percent(row.TrainTop1Error)} | {Number(row.TrainingSeconds)} | {Number(row.SecondsToTarget)} |\n");
        }

        return text.ToString();
    }

    private static string Metric(StudyClaim claim, string target) => claim.Metric switch
    {
        ClaimMetric.TestTop1Error => "test top-1 error",
        ClaimMetric.TestTop5Error => "test top-5 error",
        ClaimMetric.SecondsToTarget => $"seconds to {target} train error",
        _ => $"images to {target} train error",
    };

    private static string Measured(ClaimResult claim) =>
        claim.Estimate is { } estimate
            ? $"{ClaimResult.FormatEffect(claim.Claim, estimate)} [{ClaimResult.FormatEffect(claim.Claim, claim.Lower95!.Value)}, {ClaimResult.FormatEffect(claim.Claim, claim.Upper95!.Value)}]"
            : "–";

    private static string Design(ClaimResult claim) => claim.Design switch
    {
        ClaimDesign.Paired => $"paired, {claim.Pairs} seeds",
        ClaimDesign.Welch => $"Welch, {claim.BaselineN} and {claim.VariantN} runs",
        _ => $"{claim.BaselineN} and {claim.VariantN} runs",
    };

    private static string Interval(MetricSpread m, Func<double?, string> format) =>
        m.Mean is null ? "–" : m.Lower95 is null ? format(m.Mean) : $"{format(m.Mean)} [{format(m.Lower95)}, {format(m.Upper95)}]";

    private static string Percent(double? fraction) => fraction is { } f ? (f * 100).ToString("0.00", CultureInfo.InvariantCulture) + "%" : "–";

    private static string Number(double? value) => value is { } v ? v.ToString("#,0.#", CultureInfo.InvariantCulture) : "–";

    private static string Duration(double? seconds) =>
        seconds is { } s ? TimeSpan.FromSeconds(s) is var t && t.TotalHours >= 1 ? $"{(int)t.TotalHours} h {t.Minutes} min" : $"{t.Minutes} min {t.Seconds} s" : "(unfinished)";

    /// <summary>The CPU model from /proc/cpuinfo (where there is one) and the cores this process sees.</summary>
    private static string Machine()
    {
        string? model = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        return $"{model ?? System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString()}, {Environment.ProcessorCount} cores";
    }
}
