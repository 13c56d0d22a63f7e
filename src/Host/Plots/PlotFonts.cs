namespace AlexNet.Experiments.Host.Plots;

/// <summary>
/// SkiaSharp's dependency-free Linux build has no fontconfig, so without a font file named explicitly every label is
/// drawn blank. Debian's fonts-dejavu-core (or fonts-liberation) provides one; .ci/run installs it.
/// </summary>
internal static class PlotFonts
{
    public const string Family = "DejaVu Sans";

    // Regular and bold: titles and axis labels are bold, and a style with no file is drawn blank too.
    private static readonly (string Regular, string Bold)[] Candidates =
    [
        ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
        ("/usr/share/fonts/TTF/DejaVuSans.ttf", "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf"),
        ("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf", "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf"),
    ];

    private static readonly Lazy<bool> Loaded = new(() =>
    {
        if (OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() || !Candidates.Any(c => File.Exists(c.Regular)))
        {
            return false;
        }

        var (regular, bold) = Candidates.First(c => File.Exists(c.Regular));
        ScottPlot.Fonts.AddFontFile(Family, regular, bold: false, italic: false);
        ScottPlot.Fonts.AddFontFile(Family, File.Exists(bold) ? bold : regular, bold: true, italic: false);
        ScottPlot.Fonts.Default = Family;
        return true;
    });

    public static void EnsureLoaded() => _ = Loaded.Value;
}
