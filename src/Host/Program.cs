using AlexNet.Experiments.Host.Cli;

// One line per verb; the first also runs when the command line names none.
return await CommandLineApp.InvokeAsync(
    args,
    ServeCommand.Create(),
    QuickstartCommand.Create(),
    BenchmarkCommand.Create());

public partial class Program;
