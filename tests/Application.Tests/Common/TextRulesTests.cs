using AlexNet.Experiments.Application.Common;

namespace AlexNet.Experiments.Application.Tests;

/// <summary>Issue 25: names and tags are one line of visible text; a note may also break lines and tab.</summary>
public sealed class TextRulesTests
{
    [Theory]
    [InlineData("no-lrn ablation")]
    [InlineData("LRN – ablation, ü, 日本語, עברית, 🙂")] // right-to-left script is text; only the invisible controls are refused
    [InlineData("a\u00A0b")] // no-break space
    [InlineData("")]
    public void Visible_text_is_a_name_and_a_note(string text)
    {
        TextRules.LineFault(text).ShouldBeNull();
        TextRules.NoteFault(text).ShouldBeNull();
    }

    [Theory]
    [InlineData("a\u0000b", "U+0000 (a control character) at index 1")]
    [InlineData("\u0007", "U+0007 (a control character) at index 0")]
    [InlineData("\u001b[31mred", "U+001B (a control character) at index 0")]
    [InlineData("a\nb", "U+000A (a control character) at index 1")]
    [InlineData("a\tb", "U+0009 (a control character) at index 1")]
    [InlineData("a\u007F", "U+007F (a control character) at index 1")]
    [InlineData("a\u0085", "U+0085 (a control character) at index 1")]
    [InlineData("a\u009B", "U+009B (a control character) at index 1")]
    [InlineData("\u202Aa", "U+202A (a bidirectional override) at index 0")]
    [InlineData("photos\u202Egpj.exe", "U+202E (a bidirectional override) at index 6")]
    [InlineData("\u2066a", "U+2066 (a bidirectional isolate) at index 0")]
    [InlineData("a\u2069", "U+2069 (a bidirectional isolate) at index 1")]
    public void Controls_and_bidirectional_overrides_are_not_a_name(string text, string named)
    {
        TextRules.LineFault(text).ShouldNotBeNull().ShouldStartWith($"Contains {named};");
    }

    [Theory]
    [InlineData("first line\nsecond line\twith a tab", null)]
    [InlineData("a\r\nb", "U+000D")]
    [InlineData("a\u0000", "U+0000")]
    [InlineData("\u001b]0;title\u0007", "U+001B")]
    [InlineData("x\u202Dy", "U+202D")]
    [InlineData("x\u2068y", "U+2068")]
    public void A_note_may_break_lines_and_tab_and_nothing_else(string note, string? refused)
    {
        if (refused is null)
        {
            TextRules.NoteFault(note).ShouldBeNull();
        }
        else
        {
            TextRules.NoteFault(note).ShouldNotBeNull().ShouldStartWith($"Contains {refused} ");
        }
    }
}
