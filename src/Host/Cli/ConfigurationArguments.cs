using System.CommandLine;
using System.CommandLine.Parsing;

namespace AlexNet.Experiments.Host.Cli;

/// <summary>
/// Configuration keys on the command line, for the verbs that build the web host. The keys the README documents are
/// typed options, so --help lists them and a bad value is a usage error. A verb that does not treat unmatched tokens
/// as errors forwards any other `--Section:Key=value` (or `--Section:Key value`) to ASP.NET configuration unchecked,
/// e.g. `--Logging:LogLevel:Default=Debug`; anything else left unmatched is an unknown option.
/// </summary>
internal static class ConfigurationArguments
{
    public static Option<string> DataDirectory() => new("--AlexNet:DataDirectory")
    {
        HelpName = "folder",
        Description = "Where results.db, hangfire.db, datasets/ and runs/ live [default: ./data]",
    };

    /// <summary>The options among <paramref name="keys"/> that the user gave, then the forwarded keys, each as `--Key=value`.</summary>
    public static string[] For(ParseResult parseResult, params Option[] keys)
    {
        var given = keys
            .Select(parseResult.GetResult)
            .OfType<OptionResult>()
            .Where(r => !r.Implicit && r.Tokens.Count > 0)
            .Select(r => $"{r.Option.Name}={r.Tokens[^1].Value}");
        return [.. given, .. Split(parseResult).Forwarded];
    }

    /// <summary>Usage errors among the tokens a forwarding verb left unmatched.</summary>
    public static IReadOnlyList<string> Validate(ParseResult parseResult) => Split(parseResult).Errors;

    private static (List<string> Forwarded, List<string> Errors) Split(ParseResult parseResult)
    {
        var forwarded = new List<string>();
        var errors = new List<string>();
        var command = parseResult.CommandResult.Command;
        if (command.TreatUnmatchedTokensAsErrors)
        {
            return (forwarded, errors); // System.CommandLine reports them
        }

        var tokens = parseResult.UnmatchedTokens;
        for (int i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            int equals = token.IndexOf('=');
            var key = equals > 0 ? token[..equals] : token;
            bool valueFollows = i + 1 < tokens.Count && !tokens[i + 1].StartsWith('-');
            // An empty `--Section=` sets nothing; WebApplicationFactory passes one for every section of its settings.
            bool emptySection = key.StartsWith("--", StringComparison.Ordinal) && equals == token.Length - 1;
            if (!emptySection && (!key.StartsWith("--", StringComparison.Ordinal) || !key.Contains(':')))
            {
                errors.Add(Unrecognised(key, command));
                i += key.StartsWith('-') && equals < 0 && valueFollows ? 1 : 0; // its value is not a second error
            }
            else if (equals > 0)
            {
                forwarded.Add(token);
            }
            else if (valueFollows)
            {
                forwarded.Add($"{token}={tokens[++i]}");
            }
            else
            {
                errors.Add($"Configuration key '{token}' needs a value: {token}=<value>.");
            }
        }

        return (forwarded, errors);
    }

    private static string Unrecognised(string token, Command command)
    {
        if (!token.StartsWith('-'))
        {
            return $"Unrecognized argument '{token}'.";
        }

        var closest = command.Options
            .SelectMany(o => o.Aliases.Prepend(o.Name))
            .Where(name => name.StartsWith("--", StringComparison.Ordinal))
            .MinBy(name => EditDistance(name.ToLowerInvariant(), token.ToLowerInvariant()));
        return closest is not null && EditDistance(closest.ToLowerInvariant(), token.ToLowerInvariant()) <= 2
            ? $"Unrecognized option '{token}'. Did you mean '{closest}'?"
            : $"Unrecognized option '{token}'.";
    }

    private static int EditDistance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (int i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1], previous[j]) + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            previous = current;
        }

        return previous[b.Length];
    }
}
