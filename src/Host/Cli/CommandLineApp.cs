using System.CommandLine;
using System.CommandLine.Invocation;
using System.Globalization;

namespace AlexNet.Experiments.Host.Cli;

/// <summary>
/// Parses the command line with System.CommandLine and runs one verb. A usage error (unknown verb or option, a bad
/// value) ends with one line on stderr and exit code 2 before the verb starts, and so does a wrong setting from any source
/// (<see cref="AlexNetSettings"/>) when the verb builds the host. Ctrl-C and SIGTERM cancel the verb's token and set the exit
/// code (see <see cref="Termination"/>).
/// </summary>
public static class CommandLineApp
{
    public const int UsageError = 2;

    /// <param name="verbs">The first is the default: it runs when the command line starts with an option or is empty.</param>
    public static async Task<int> InvokeAsync(string[] args, params Command[] verbs)
    {
        var root = new RootCommand("AlexNet.Experiments: reproduce the AlexNet paper, run by run, through a web API and Hangfire jobs.");
        foreach (var verb in verbs)
        {
            root.Subcommands.Add(verb);
        }

        var parseResult = root.Parse(Normalise(args, root, defaultVerb: verbs[0].Name));
        bool runsVerb = parseResult.Action is not null && parseResult.Action == parseResult.CommandResult.Command.Action;
        var errors = parseResult.Errors.Select(e => e.Message)
            .Concat(runsVerb ? ConfigurationArguments.Validate(parseResult) : [])
            .ToList();
        if (parseResult.CommandResult.Command == root && parseResult.Action is ParseErrorAction)
        {
            await Console.Error.WriteLineAsync($"Unknown command '{args[0]}'; the commands are {string.Join(", ", verbs.Where(v => !v.Hidden).Select(v => v.Name))}. See --help.");
            return UsageError;
        }

        if (parseResult.Action is ParseErrorAction || (runsVerb && errors.Count > 0))
        {
            await Console.Error.WriteLineAsync($"{string.Join(" ", errors)} See '{parseResult.CommandResult.Command.Name} --help'.");
            return UsageError;
        }

        using var termination = new Termination(Console.Error);
        try
        {
            // Our own signal handling replaces System.CommandLine's, which ends the process 2 s after the signal.
            var invocation = new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false };
            int exitCode = await parseResult.InvokeAsync(invocation, termination.Token);
            return termination.ExitCode ?? exitCode;
        }
        catch (OperationCanceledException) when (termination.ExitCode is { } signalled)
        {
            return signalled;
        }
        catch (HostRefusedToStartException refused)
        {
            await Console.Error.WriteLineAsync(refused.Message);
            return refused.ExitCode;
        }
        catch (Exception e) when (e is not HostAbortedException) // WebApplicationFactory ends the entry point with it
        {
            await Console.Error.WriteLineAsync(e.ToString());
            return 1;
        }
    }

    /// <summary>
    /// A verb that reads its own arguments, e.g. `Verb("loadtest", "...", LoadTestCommand.RunAsync)`: System.CommandLine
    /// answers its --help and hands it every other token. A verb built as a <see cref="Command"/> gets typed options instead.
    /// </summary>
    public static Command Verb(string name, string description, Func<string[], Task<int>> run)
    {
        var arguments = new Argument<string[]>("arguments") { Arity = ArgumentArity.ZeroOrMore, Description = "Passed to the verb as they are" };
        var command = new Command(name, description) { arguments };
        command.SetAction((parseResult, _) => run(parseResult.GetValue(arguments) ?? []));
        return command;
    }

    /// <summary>
    /// Puts the default verb in front of a command line that names none, and splits `--Section:Key=value` for an option the
    /// verb declares: System.CommandLine splits `--name=value` at the first ':' or '=', which would cut such a name short.
    /// </summary>
    private static string[] Normalise(string[] args, RootCommand root, string defaultVerb)
    {
        bool asksRoot = args.Length > 0 && (!args[0].StartsWith('-') || args[0] is "-h" or "-?" or "--help" or "--version");
        var withVerb = asksRoot ? args : [defaultVerb, .. args];

        // Only the invoked verb's own: a key another verb declares is forwarded as it is, so its value may start with '-'.
        var verb = root.Subcommands.FirstOrDefault(c => c.Name == withVerb.FirstOrDefault());
        var keys = AllOptionNames(verb ?? root).Where(name => name.Contains(':')).ToList();
        var normalised = new List<string>(withVerb.Length);
        for (int i = 0; i < withVerb.Length; i++)
        {
            var arg = withVerb[i];
            if (arg == "--")
            {
                normalised.AddRange(withVerb[i..]);
                break;
            }

            // Configuration keys are case-insensitive, as ASP.NET configuration reads them.
            int equals = arg.IndexOf('=');
            var name = equals > 0 ? arg[..equals] : arg;
            var key = keys.Find(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase));
            if (key is null)
            {
                normalised.Add(arg);
                continue;
            }

            normalised.Add(key);
            if (equals > 0)
            {
                normalised.Add(arg[(equals + 1)..]);
            }
        }

        return [.. normalised];
    }

    private static IEnumerable<string> AllOptionNames(Command command) =>
        command.Options.SelectMany(o => o.Aliases.Prepend(o.Name))
            .Concat(command.Subcommands.SelectMany(AllOptionNames));
}

/// <summary>Value rules checked while parsing, so a bad value is a usage error before the verb starts.</summary>
internal static class OptionRules
{
    /// <param name="rule">The error for a parsed value, or null when it is fine.</param>
    public static Option<T> Must<T>(this Option<T> option, Func<T, string?> rule) where T : struct, ISpanParsable<T>
    {
        option.CustomParser = result =>
        {
            var text = result.Tokens[^1].Value;
            if (!T.TryParse(text, CultureInfo.InvariantCulture, out var value))
            {
                result.AddError($"{option.Name} takes {(typeof(T) == typeof(int) ? "a whole number" : "a number")}, not '{text}'.");
                return default;
            }

            if (rule(value) is { } error)
            {
                result.AddError($"{option.Name}: {error}");
            }

            return value;
        };
        return option;
    }

    public static Option<int> AtLeast(this Option<int> option, int minimum) =>
        option.Must(value => value < minimum ? $"must be at least {minimum}, not {value}." : null);
}
