using AlexNet.Experiments.Host.Cli;

// One line per verb; the first also runs when the command line names none. A verb with its own parser joins as
// CommandLineApp.Verb("name", "description", SomeCommand.RunAsync).
return await CommandLineApp.InvokeAsync(
    args,
    ServeCommand.Create(),
    QuickstartCommand.Create(),
    TrainCommand.Create(),
    StudyCommand.Create(),
    BenchmarkCommand.Create(),
    SoakCommand.Create(),
    OneDnnProbeCommand.Create(),
    CommandLineApp.Verb("loadtest", "20 clients for 30 s against an in-process host on loopback; checks nothing was lost (docs/RELIABILITY.md)", LoadTestCommand.RunAsync));

public partial class Program;
