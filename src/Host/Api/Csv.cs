using System.Globalization;
using System.Text;

namespace AlexNet.Experiments.Host.Api;

/// <summary>
/// RFC 4180 CSV: a header row, fields quoted when they hold a comma, quote or line break; numbers round-trip. A text cell (a
/// string: a name, tags, a note) that begins with = + - @, a tab or a carriage return gets a leading ' so that a spreadsheet
/// shows it rather than runs it as a formula (OWASP's advice on CSV injection); numbers, times and ids are written as they are,
/// so a negative number stays a number.
/// </summary>
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

    /// <summary>Text a spreadsheet would read as a formula, made inert: "=1+1" becomes "'=1+1".</summary>
    public static string Inert(string text) => text.Length > 0 && text[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + text : text;

    private static string Field(object? value)
    {
        var text = value switch
        {
            null => "",
            string s => Inert(s),
            double d => d.ToString("R", CultureInfo.InvariantCulture),
            DateTimeOffset t => t.ToString("O", CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture), // numbers, ids, enum names
            _ => Inert(value.ToString() ?? ""),
        };
        return text.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? $"\"{text.Replace("\"", "\"\"")}\"" : text;
    }
}
