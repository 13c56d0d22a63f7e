namespace AlexNet.Experiments.Host;

public static class ConfigurationLists
{
    /// <summary>A setting given as a list (<c>Key:0=a --Key:1=b</c>) or as one string of values separated by <paramref name="separator"/>.</summary>
    public static string[] GetList(this IConfiguration configuration, string key, char separator)
    {
        var section = configuration.GetSection(key);
        return section.Value is { Length: > 0 } value
            ? value.Split(separator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : section.GetChildren().Select(c => c.Value).OfType<string>().Where(v => v.Length > 0).ToArray();
    }
}
