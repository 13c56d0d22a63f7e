using System.Globalization;
using System.Text.Json;

namespace AlexNet.Experiments.Host.Pages;

/// <summary>How the pages print numbers, times and sizes: invariant culture, errors as percentages.</summary>
public static class Format
{
    public static string Percent(double fraction) => double.IsFinite(fraction) ? (fraction * 100).ToString("0.00", CultureInfo.InvariantCulture) + "%" : "–";

    public static string Number(double value) => double.IsFinite(value) ? value.ToString("0.0000", CultureInfo.InvariantCulture) : "–";

    public static string Rate(double perSecond) => perSecond.ToString("N0", CultureInfo.InvariantCulture);

    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    public static string Duration(TimeSpan span) =>
        span.TotalHours >= 1 ? $"{(int)span.TotalHours}h {span.Minutes:00}m" : span.TotalMinutes >= 1 ? $"{span.Minutes}m {span.Seconds:00}s" : $"{span.Seconds}s";

    /// <summary>Training seconds as read in a table: "12.3 s" below a minute, else as <see cref="Duration"/>.</summary>
    public static string Seconds(double seconds) =>
        seconds < 60 ? seconds.ToString("0.0", CultureInfo.InvariantCulture) + " s" : Duration(TimeSpan.FromSeconds(seconds));

    public static string Eta(double? secondsLeft) => secondsLeft is { } s && double.IsFinite(s) ? Duration(TimeSpan.FromSeconds(s)) : "–";

    public static string Percent(double? fraction) => fraction is { } f ? Percent(f) : "";

    public static string Bytes(long bytes) => bytes switch
    {
        >= 1 << 30 => (bytes / (double)(1 << 30)).ToString("0.0", CultureInfo.InvariantCulture) + " GB",
        >= 1 << 20 => (bytes / (double)(1 << 20)).ToString("0.0", CultureInfo.InvariantCulture) + " MB",
        >= 1 << 10 => (bytes / (double)(1 << 10)).ToString("0.0", CultureInfo.InvariantCulture) + " kB",
        _ => bytes.ToString(CultureInfo.InvariantCulture) + " B",
    };

    public static string ClassName(IReadOnlyList<string> names, int index) =>
        index < names.Count ? names[index] : index.ToString(CultureInfo.InvariantCulture);

    public static string IndentedJson(string json) =>
        JsonSerializer.Serialize(JsonDocument.Parse(json).RootElement, IndentedOptions);

    private static readonly JsonSerializerOptions IndentedOptions = new() { WriteIndented = true };
}
