using System.Text;
using AlexNet.Experiments.Host.Api;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AlexNet.Experiments.Host.Tests;

/// <summary>Issue 25: a text cell a spreadsheet would run as a formula is made inert; numbers stay numbers.</summary>
public sealed class CsvTests
{
    private sealed record Row(string? Text, double? Number, int Count);

    [Theory]
    [InlineData("=1+1", "'=1+1")]
    [InlineData("+1", "'+1")]
    [InlineData("-1", "'-1")]
    [InlineData("@SUM(A1:A2)", "'@SUM(A1:A2)")]
    [InlineData("\tx", "'\tx")]
    [InlineData("=HYPERLINK(\"http://example.com\",\"x\")", "\"'=HYPERLINK(\"\"http://example.com\"\",\"\"x\"\")\"")]
    [InlineData("\r=1", "\"'\r=1\"")]
    [InlineData("a=1", "a=1")]
    [InlineData("plain", "plain")]
    [InlineData("", "")]
    public void Text_that_begins_like_a_formula_gets_a_leading_quote(string text, string cell) =>
        Lines(new Row(text, null, 0))[1].ShouldBe($"{cell},,0");

    [Fact]
    public void Negative_numbers_are_numbers()
    {
        var lines = Lines(new Row(null, -0.25, -3), new Row(null, -1e-7, int.MinValue));

        lines[1].ShouldBe(",-0.25,-3");
        lines[2].ShouldBe(",-1E-07,-2147483648");
    }

    private static string[] Lines(params Row[] rows)
    {
        var file = (FileContentHttpResult)Csv.File(rows, "x.csv", ("text", r => r.Text), ("number", r => r.Number), ("count", r => r.Count));
        return Encoding.UTF8.GetString(file.FileContents.Span).Split("\r\n");
    }
}
