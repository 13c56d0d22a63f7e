using System.Globalization;
using FluentValidation;

namespace AlexNet.Experiments.Application.Common;

/// <summary>
/// What user text stored and shown back may hold. A name or a tag is one line of visible text: no C0 or C1 control character
/// (NUL, BEL, ESC, line breaks, DEL, CSI…), which terminals and log viewers act on, and no bidirectional override or isolate
/// (U+202A–U+202E, U+2066–U+2069), which make text display as other text ("txt.exe" shown as "exe.txt"). A note may also
/// hold line feeds and tabs. One rule for every validator that takes such text.
/// </summary>
public static class TextRules
{
    /// <summary>Why <paramref name="text"/> is not a name or tag, or null when it is (null and empty text are other rules' business).</summary>
    public static string? LineFault(string? text) => Fault(text, layout: false);

    /// <summary>Why <paramref name="text"/> is not a note, or null when it is.</summary>
    public static string? NoteFault(string? text) => Fault(text, layout: true);

    /// <summary>A name or a tag: one line of visible text.</summary>
    public static IRuleBuilderOptionsConditions<T, string?> PlainLine<T>(this IRuleBuilder<T, string?> rule) => rule.Custom((text, context) =>
    {
        if (LineFault(text) is { } fault)
        {
            context.AddFailure(fault);
        }
    });

    /// <summary>A note: visible text, line feeds and tabs.</summary>
    public static IRuleBuilderOptionsConditions<T, string?> PlainText<T>(this IRuleBuilder<T, string?> rule) => rule.Custom((text, context) =>
    {
        if (NoteFault(text) is { } fault)
        {
            context.AddFailure(fault);
        }
    });

    private static string? Fault(string? text, bool layout)
    {
        if (text is null)
        {
            return null;
        }

        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            string? what = char.IsControl(c) && !(layout && c is '\n' or '\t') ? "a control character"
                : c is >= '\u202A' and <= '\u202E' ? "a bidirectional override"
                : c is >= '\u2066' and <= '\u2069' ? "a bidirectional isolate"
                : null;
            if (what is not null)
            {
                string code = ((int)c).ToString("X4", CultureInfo.InvariantCulture);
                return layout
                    ? $"Contains U+{code} ({what}) at index {i}; a note is visible text, line feeds (\\n) and tabs."
                    : $"Contains U+{code} ({what}) at index {i}; a name or tag is one line of visible text.";
            }
        }

        return null;
    }
}
