using System.Globalization;
using AlexNet.Experiments.Host.Cli;

namespace AlexNet.Experiments.Host;

/// <summary>
/// Reads typed values from one configuration section, and for each wrong value keeps a sentence naming its key, what it takes
/// and what it got; <see cref="ThrowIfWrong"/> then refuses to start with all of them in one line. A missing or blank value
/// is the default.
/// </summary>
internal sealed class SettingsReader(IConfigurationSection section)
{
    private readonly List<string> errors = [];

    public bool AllRight => errors.Count == 0;

    public string Key(string name) => $"{section.Path}:{name}";

    /// <summary>The value exactly as given.</summary>
    public string? Text(string name) => section[name] is { Length: > 0 } value ? value : null;

    /// <summary>An absolute path, a relative one resolved against <paramref name="relativeTo"/>.</summary>
    public string? Folder(string name, string relativeTo)
    {
        if (Trimmed(name) is not { } text)
        {
            return null;
        }

        try
        {
            return Path.GetFullPath(text, relativeTo);
        }
        catch (ArgumentException)
        {
            return Wrong<string?>(name, "a folder's path", text, null);
        }
    }

    public int WholeNumber(string name, int fallback, int minimum, int maximum = int.MaxValue)
    {
        if (Trimmed(name) is not { } text)
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value) && value >= minimum && value <= maximum
            ? value
            : Wrong(name, maximum == int.MaxValue ? $"a whole number of at least {minimum}" : $"a whole number from {minimum} to {maximum}", text, fallback);
    }

    public double Number(string name, double fallback, Func<double, bool> allowed, string description) =>
        OptionalNumber(name, allowed, description) ?? fallback;

    public double? OptionalNumber(string name, Func<double, bool> allowed, string description)
    {
        if (Trimmed(name) is not { } text)
        {
            return null;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value) && allowed(value)
            ? value
            : Wrong<double?>(name, description, text, null);
    }

    /// <summary>A member of <typeparamref name="T"/> by name, in any case; never a number, which Enum.TryParse would take.</summary>
    public T OneOf<T>(string name, T fallback, bool lowerCase = false)
        where T : struct, Enum
    {
        if (Trimmed(name) is not { } text)
        {
            return fallback;
        }

        var names = Enum.GetNames<T>().Select(n => lowerCase ? n.ToLowerInvariant() : n).ToList();
        return names.Find(n => string.Equals(n, text, StringComparison.OrdinalIgnoreCase)) is { } member
            ? Enum.Parse<T>(member, ignoreCase: true)
            : Wrong(name, Alternatives(names), text, fallback);
    }

    /// <summary>A list (<c>Key:0=a Key:1=b</c>) or one string of values separated by <paramref name="separator"/>; the string wins when both are given.</summary>
    public IReadOnlyList<string>? List(string name, char separator)
    {
        var child = section.GetSection(name);
        string[] values = child.Value is { Length: > 0 } value
            ? value.Split(separator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : child.GetChildren().Select(c => c.Value?.Trim()).OfType<string>().Where(v => v.Length > 0).ToArray();
        return values.Length > 0 ? values : null;
    }

    /// <summary>A <see cref="List"/> of some of <paramref name="allowed"/>, in any case, each once.</summary>
    public IReadOnlyList<string>? SomeOf(string name, char separator, IReadOnlyList<string> allowed)
    {
        if (List(name, separator) is not { } values)
        {
            return null;
        }

        var unknown = values.Where(v => !allowed.Contains(v, StringComparer.OrdinalIgnoreCase)).ToList();
        return unknown.Count == 0
            ? allowed.Where(a => values.Contains(a, StringComparer.OrdinalIgnoreCase)).ToList()
            : Wrong<IReadOnlyList<string>?>(name, $"one or more of {string.Join(", ", allowed)}", string.Join(separator, unknown), null);
    }

    public void Refuse(string sentence) => errors.Add(sentence);

    /// <summary>Exit code 2, as a bad option on the command line: the value is the user's to fix.</summary>
    public void ThrowIfWrong()
    {
        if (errors.Count > 0)
        {
            throw new HostRefusedToStartException(string.Join(" ", errors), CommandLineApp.UsageError);
        }
    }

    private string? Trimmed(string name) => section[name]?.Trim() is { Length: > 0 } text ? text : null;

    private T Wrong<T>(string name, string description, string text, T fallback)
    {
        errors.Add($"{Key(name)} must be {description}, not '{text.ReplaceLineEndings(" ")}'.");
        return fallback;
    }

    private static string Alternatives(IReadOnlyList<string> names) =>
        names.Count == 1 ? names[0] : $"{string.Join(", ", names.Take(names.Count - 1))} or {names[^1]}";
}
