using System.Globalization;
using System.Text;

namespace AlexNet.Experiments.Host.Api;

/// <summary>RFC 4180 CSV: a header row, fields quoted when they hold a comma, quote or line break; numbers round-trip.</summary>
public static class Csv
{
    public static IResult File<T>(IEnumerable<T> rows, string fileName, params (string Header, Func<T, object?> Value)[] columns)
    {
        var text = new StringBuilder();
        text.AppendJoin(',', columns.Select(c => Field(c.Header))).Append("\r\n");
        foreach (var row in rows)
        {
            text.AppendJoin(',', columns.Select(c => Field(c.Value(row)))).Append("\r\n");
        }

        return TypedResults.File(Encoding.UTF8.GetBytes(text.ToString()), "text/csv; charset=utf-8", fileName);
    }

    private static string Field(object? value)
    {
        var text = value switch
        {
            null => "",
            double d => d.ToString("R", CultureInfo.InvariantCulture),
            DateTimeOffset t => t.ToString("O", CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "",
        };
        return text.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? $"\"{text.Replace("\"", "\"\"")}\"" : text;
    }
}
