using AlexNet.Experiments.Host;
using AlexNet.Experiments.Host.Cli;

bool hasVerb = args.Length > 0 && !args[0].StartsWith('-');
var verb = hasVerb ? args[0] : "serve";
var options = hasVerb ? args[1..] : args;

return verb switch
{
    "serve" => await ExperimentsHost.ServeAsync(options),
    "quickstart" => await QuickstartCommand.RunAsync(options),
    "benchmark" => await BenchmarkCommand.RunAsync(options),
    "loadtest" => await LoadTestCommand.RunAsync(options),
    _ => Usage(verb),
};

static int Usage(string verb)
{
    Console.Error.WriteLine($"""
        Unknown command '{verb}'.
        Usage: AlexNet.Experiments.Host [serve|quickstart|benchmark|loadtest] [--AlexNet:DataDirectory=<folder>] [--urls=<url>]
          serve       the web API, the Hangfire dashboard (/hangfire) and the job server (default)
          quickstart  generate the synthetic dataset, then preprocess, train and evaluate the quickstart preset in-process
          benchmark   data-pipeline and compute figures, measured side by side (see docs/PERFORMANCE.md)
          loadtest    20 clients for 30 s against an in-process host on loopback; checks nothing was lost (see docs/RELIABILITY.md)
        """);
    return 2;
}

public partial class Program;
