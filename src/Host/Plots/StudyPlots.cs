using System.Globalization;
using AlexNet.Experiments.Application.Studies;
using AlexNet.Experiments.Application.Studies.GetStudy;
using ScottPlot;

namespace AlexNet.Experiments.Host.Plots;

/// <summary>A study's figures: one bar per cell with its 95% interval, and the cells' mean training curves (the paper's Figure 1).</summary>
public static class StudyPlots
{
    public static Plot Cells(StudyDetails study)
    {
        PlotFonts.EnsureLoaded();
        var plot = new Plot();
        var crops = study.Rows.Select(r => r.EvaluationCrops).OfType<Domain.Training.EvaluationCrops>().Distinct().ToList();
        plot.Title($"{study.Name}: evaluation top-1 error per cell");
        plot.YLabel($"top-1 error ({(crops.Count == 1 ? crops[0].ToString() : "evaluation")}), mean and 95% interval over seeds");

        var palette = new ScottPlot.Palettes.Category10();
        var bars = new List<Bar>();
        var ticks = new List<Tick>();
        foreach (var cell in study.Cells)
        {
            var spread = cell.EvaluationTop1Error;
            // Each axis's value on its own line; a cell with no finished run gets an empty slot, not a zero bar.
            string label = string.Join('\n', cell.Values.Select(v => $"{Short(v.Key)}={StudyPlan.ValueText(v.Value)}"));
            ticks.Add(new Tick(cell.Cell, $"{(label.Length == 0 ? "all runs" : label)}\nn={spread.N}"));
            if (spread.Mean is { } mean)
            {
                bars.Add(new Bar
                {
                    Position = cell.Cell,
                    Value = mean,
                    Error = spread.Upper95 is { } upper ? upper - mean : 0,
                    FillColor = palette.GetColor(cell.Cell),
                    Label = mean.ToString("P1", CultureInfo.InvariantCulture),
                });
            }
        }

        var series = plot.Add.Bars(bars);
        series.ValueLabelStyle.FontSize = 12;
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual([.. ticks]);
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.Axes.Margins(bottom: 0);
        plot.Axes.SetLimitsX(-0.6, Math.Max(study.Cells.Count, 1) - 0.4);
        double top = bars.Count == 0 ? 1 : bars.Max(b => b.Value + b.Error);
        plot.Axes.SetLimitsY(0, Math.Max(0.05, Math.Min(1.05, top * 1.15)));
        return plot;
    }

    /// <summary>Training top-1 error against images seen, one line per cell (the mean over its seeds), and the target as a dashed line.</summary>
    public static Plot TrainingCurves(string title, IReadOnlyList<(string Label, IReadOnlyList<(double Images, double Top1Error)> Curve)> cells, double? target)
    {
        PlotFonts.EnsureLoaded();
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel("training images seen");
        plot.YLabel("training top-1 error, mean over seeds");
        var palette = new ScottPlot.Palettes.Category10();
        for (int i = 0; i < cells.Count; i++)
        {
            var (label, curve) = cells[i];
            var line = plot.Add.ScatterLine(curve.Select(p => p.Images).ToArray(), curve.Select(p => p.Top1Error).ToArray(), palette.GetColor(i));
            line.LegendText = label;
            line.LineWidth = 2;
            line.MarkerSize = curve.Count < 50 ? 5 : 0; // a short curve (a tiny run has one point) would not show as a line
        }

        if (target is { } t)
        {
            var guide = plot.Add.HorizontalLine(t, 1, Colors.Gray, LinePattern.Dashed);
            guide.LegendText = $"target {t.ToString("P0", CultureInfo.InvariantCulture)}";
        }

        plot.ShowLegend(Alignment.UpperRight);
        double last = cells.SelectMany(c => c.Curve).Select(p => p.Images).DefaultIfEmpty(1).Max();
        plot.Axes.SetLimits(0, last * 1.02, 0, 1.02);
        return plot;
    }

    /// <summary>The last segment or two of a path: "model.lrn.enabled" reads "lrn.enabled" under a bar.</summary>
    private static string Short(string path) => string.Join('.', path.Split('.').TakeLast(2));
}
