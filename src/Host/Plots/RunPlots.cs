using AlexNet.Experiments.Domain.Training;
using ScottPlot;
using SkiaSharp;

namespace AlexNet.Experiments.Host.Plots;

public enum PlotFormat { Svg, Png }

/// <summary>The figures of a run, drawn with ScottPlot: error and loss curves, the confusion matrix, and conv1's kernels (the paper's Figure 3).</summary>
public static class RunPlots
{
    public const int Width = 800, Height = 500;

    /// <summary>Plot names a run serves, and the metrics comparisons overlay.</summary>
    public static IReadOnlyList<string> Names { get; } = ["loss", "top1", "top5", "confusion", "kernels"];

    public static IReadOnlyList<string> Metrics { get; } = ["loss", "top1", "top5"];

    private static readonly Dictionary<string, (string Title, string Axis, Func<EpochMetrics, double> Train, Func<EpochMetrics, double> Validation)> Curves = new()
    {
        ["loss"] = ("Loss", "cross-entropy loss", m => m.TrainLoss, m => m.ValidationLoss),
        ["top1"] = ("Top-1 error", "top-1 error", m => m.TrainTop1Error, m => m.ValidationTop1Error),
        ["top5"] = ("Top-5 error", "top-5 error", m => m.TrainTop5Error, m => m.ValidationTop5Error),
    };

    private static readonly Dictionary<string, Func<StepMetrics, double>> StepCurves = new()
    {
        ["loss"] = p => p.TrainLoss,
        ["top1"] = p => p.TrainTop1Error,
        ["top5"] = p => p.TrainTop5Error,
    };

    /// <summary>
    /// Train and validation per epoch, with a dotted line where the learning rate dropped; under them, a thin line through the step
    /// points, placed by their images seen in epochs (so epoch e's last point is at e, with its epoch's figures).
    /// </summary>
    public static Plot Curve(string metric, IReadOnlyList<EpochMetrics> epochs, IReadOnlyList<StepMetrics> steps, int? imagesPerEpoch)
    {
        var (title, axis, train, validation) = Curves[metric];
        var plot = NewPlot(title, "epoch", axis);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        if (steps.Count > 0 && imagesPerEpoch is { } perEpoch && perEpoch > 0)
        {
            double[] at = [.. steps.Select(p => p.ImagesSeen / (double)perEpoch)];
            double[] values = [.. steps.Select(StepCurves[metric])];
            var line = plot.Add.Scatter(at, values, Colors.C1.WithAlpha(0.5));
            line.MarkerSize = 0;
            line.LineWidth = 1;
            line.LegendText = "train, every few batches";
        }

        double[] xs = [.. epochs.Select(m => (double)m.Epoch)];
        AddSeries(plot, xs, [.. epochs.Select(train)], "train", Colors.C1, LinePattern.Dashed);
        AddSeries(plot, xs, [.. epochs.Select(validation)], "validation", Colors.C0, LinePattern.Solid);

        for (int i = 1; i < epochs.Count; i++)
        {
            if (epochs[i].LearningRate < epochs[i - 1].LearningRate)
            {
                var drop = plot.Add.VerticalLine(epochs[i].Epoch - 0.5, color: Colors.Gray, pattern: LinePattern.Dotted);
                drop.LabelText = $"lr {epochs[i].LearningRate:G3}";
            }
        }

        plot.ShowLegend();
        return plot;
    }

    /// <summary>One metric for several runs: validation solid, train dashed, one colour per run.</summary>
    public static Plot Compare(string metric, IReadOnlyList<(string Label, IReadOnlyList<EpochMetrics> Epochs)> runs)
    {
        var (title, axis, train, validation) = Curves[metric];
        var plot = NewPlot($"{title}: validation (solid) and train (dashed)", "epoch", axis);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        var palette = new ScottPlot.Palettes.Category10();
        for (int i = 0; i < runs.Count; i++)
        {
            var (label, epochs) = runs[i];
            double[] xs = [.. epochs.Select(m => (double)m.Epoch)];
            var colour = palette.GetColor(i);
            AddSeries(plot, xs, [.. epochs.Select(validation)], label, colour, LinePattern.Solid);
            AddSeries(plot, xs, [.. epochs.Select(train)], null, colour, LinePattern.Dashed);
        }

        plot.ShowLegend();
        return plot;
    }

    /// <summary>Rows are the true class, columns the predicted one, row 0 on top; cells show counts when there are few classes.</summary>
    public static Plot Confusion(EvaluationResult evaluation, IReadOnlyList<string> classNames)
    {
        int n = evaluation.ConfusionMatrix.Count;
        var counts = new double[n, n];
        for (int r = 0; r < n; r++)
        {
            for (int c = 0; c < n; c++)
            {
                counts[r, c] = evaluation.ConfusionMatrix[r][c];
            }
        }

        var plot = NewPlot($"Confusion matrix ({evaluation.Crops}, {evaluation.ImageCount} images)", "predicted class", "true class");
        var heatmap = plot.Add.Heatmap(counts);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        plot.Add.ColorBar(heatmap);

        // Heatmap rows run top to bottom; cell (r, c) is centred at x = c, y = n - 1 - r.
        double[] positions = [.. Enumerable.Range(0, n).Select(i => (double)i)];
        // Names label the rows; columns carry the class index only, since long names would overlap side by side.
        string[] indices = [.. Enumerable.Range(0, n).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))];
        string[] names = [.. Enumerable.Range(0, n).Select(i => i < classNames.Count ? $"{classNames[i]} ({i})" : indices[i])];
        if (n <= 30)
        {
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(positions, indices);
            plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual([.. positions.Reverse()], names);
        }

        if (n <= 20)
        {
            double max = Math.Max(1, evaluation.ConfusionMatrix.SelectMany(r => r).Max());
            for (int r = 0; r < n; r++)
            {
                for (int c = 0; c < n; c++)
                {
                    var text = plot.Add.Text(evaluation.ConfusionMatrix[r][c].ToString(System.Globalization.CultureInfo.InvariantCulture), c, n - 1 - r);
                    text.Alignment = Alignment.MiddleCenter;
                    text.LabelFontColor = counts[r, c] > max / 2 ? Colors.Black : Colors.White;
                }
            }
        }

        return plot;
    }

    /// <summary>conv1's kernels as tiles, 16 to a row, tower A's first; each pixel drawn as a square block.</summary>
    public static (Plot Plot, int Width, int Height) Kernels(KernelImages kernels)
    {
        const int Columns = 16, Gap = 1;
        int scale = Math.Max(1, 44 / kernels.Size);
        int columns = Math.Min(Columns, kernels.Count), rows = (kernels.Count + Columns - 1) / Columns;
        int tile = kernels.Size * scale;
        int width = (columns * (tile + Gap)) + Gap, height = (rows * (tile + Gap)) + Gap;

        using var bitmap = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        bitmap.Erase(SKColors.White);
        for (int k = 0; k < kernels.Count; k++)
        {
            int left = Gap + ((k % Columns) * (tile + Gap)), top = Gap + ((k / Columns) * (tile + Gap));
            for (int y = 0; y < tile; y++)
            {
                for (int x = 0; x < tile; x++)
                {
                    int at = (((k * kernels.Size) + (y / scale)) * kernels.Size + (x / scale)) * 3;
                    bitmap.SetPixel(left + x, top + y, new SKColor(kernels.Rgb[at], kernels.Rgb[at + 1], kernels.Rgb[at + 2]));
                }
            }
        }

        var plot = new Plot();
        var image = plot.Add.ImageRect(new Image(bitmap), new CoordinateRect(0, width, 0, height));
        image.AntiAlias = false;
        plot.Axes.SetLimits(0, width, 0, height);
        plot.HideAxesAndGrid();
        plot.Layout.Frameless();
        return (plot, width, height);
    }

    public static byte[] Render(Plot plot, PlotFormat format, int width = Width, int height = Height) => format switch
    {
        // Browsers smooth a scaled-up embedded bitmap; heat-map cells and kernel pixels must stay sharp squares.
        PlotFormat.Svg => System.Text.Encoding.UTF8.GetBytes(plot.GetSvgXml(width, height).Replace("<image ", "<image style=\"image-rendering:pixelated\" ", StringComparison.Ordinal)),
        _ => plot.GetImageBytes(width, height, ImageFormat.Png),
    };

    private static Plot NewPlot(string title, string x, string y)
    {
        PlotFonts.EnsureLoaded();
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel(x);
        plot.YLabel(y);
        return plot;
    }

    private static void AddSeries(Plot plot, double[] xs, double[] ys, string? label, Color colour, LinePattern pattern)
    {
        var series = plot.Add.Scatter(xs, ys, colour);
        series.LinePattern = pattern;
        series.MarkerSize = 5;
        if (label is not null)
        {
            series.LegendText = label;
        }
    }
}
