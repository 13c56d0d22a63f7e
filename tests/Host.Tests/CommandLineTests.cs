using AlexNet.Experiments.Host.Cli;

namespace AlexNet.Experiments.Host.Tests;

/// <summary>The program's real entry point, in-process: help for every verb, and usage errors before any work starts.</summary>
public sealed class CommandLineTests : IDisposable
{
    private readonly string dataDirectory = Path.Combine(Path.GetTempPath(), "alexnet-cli-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(dataDirectory))
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    [Theory]
    [InlineData("", "serve")]
    [InlineData("serve", "--urls <urls>")]
    [InlineData("quickstart", "--epochs <n>")]
    [InlineData("benchmark", "--images <n>")]
    [InlineData("soak", "--runs <n>")]
    [InlineData("train", "--preset <name>")]
    [InlineData("study", "--file <study.json>")]
    public void Help_describes_the_verb_and_does_no_work(string verb, string expected)
    {
        var (exitCode, output, error) = Run([.. verb.Split(' ', StringSplitOptions.RemoveEmptyEntries), "--help", $"--AlexNet:DataDirectory={dataDirectory}"]);

        exitCode.ShouldBe(0, error);
        output.ShouldContain("Usage:");
        output.ShouldContain(expected);
        error.ShouldBeEmpty();
        Directory.Exists(dataDirectory).ShouldBeFalse("help must not start the verb");
    }

    [Theory]
    [InlineData("quickstart --epochs abc", "--epochs takes a whole number, not 'abc'.")]
    [InlineData("quickstart --epochs 0", "--epochs: 'Epochs' must be between 1 and 1000. You entered 0.")]
    [InlineData("quickstart --epochs=1001", "--epochs: 'Epochs' must be between 1 and 1000. You entered 1001.")]
    [InlineData("quickstart --epoch 3", "Unrecognized option '--epoch'. Did you mean '--epochs'?")]
    [InlineData("quickstart --epochs 2 now", "Unrecognized argument 'now'.")]
    [InlineData("quickstart --Logging:LogLevel:Default", "Configuration key '--Logging:LogLevel:Default' needs a value")]
    [InlineData("serve --AlexNet:Workers=0", "--AlexNet:Workers: must be at least 1, not 0.")]
    [InlineData("--alexnet:trainingstepminutes=45", "--AlexNet:TrainingStepMinutes: must be from 0 to below 30")]
    [InlineData("benchmark --images 10", "--images: must be at least 256, not 10.")]
    [InlineData("benchmark --imagse 300", "'--imagse'")]
    [InlineData("soak --runs 4", "--runs: must be at least 5, not 4.")]
    [InlineData("soak --epochs 0", "--epochs: 'Epochs' must be between 1 and 1000. You entered 0.")]
    [InlineData("soak --run 30", "Unrecognized option '--run'. Did you mean '--runs'?")]
    [InlineData("fit", "Unknown command 'fit'; the commands are serve, quickstart, train, study, benchmark, soak, loadtest.")]
    [InlineData("train --dataset /usr/share/datasets/fashion-mnist", "Option '--preset' is required.")]
    [InlineData("train --preset paper-2013 --dataset /tmp", "--preset: unknown preset 'paper-2013'; the presets are paper-2012, quickstart, fashion-mnist.")]
    [InlineData("train --preset fashion-mnist --dataset /tmp --hyperparameters {\"epochs\":", "--hyperparameters takes a JSON object")]
    [InlineData("train --preset fashion-mnist --dataset /no/such/folder", "--dataset: '/no/such/folder' is not a folder.")]
    [InlineData("train --preset fashion-mnist --dataset /tmp --format tiff", "--format: 'tiff' is not a format; use one of ImageFolder, Ilsvrc, Idx, Cifar10, Cifar100.")]
    [InlineData("study", "Give either --file (a new study) or --id (a stored one). See 'study --help'.")]
    [InlineData("study --file /no/such/study.json --dataset /tmp", "--file: cannot read '/no/such/study.json'")]
    [InlineData("study --file STUDY", "--dataset: name the dataset's folder (or give datasetId in the file).")]
    [InlineData("study --file STUDY --dataset /no/such/folder", "--dataset: '/no/such/folder' is not a folder.")]
    [InlineData("study --file STUDY --dataset /tmp --format jpeg", "--format: 'jpeg' is not a format; use one of ImageFolder, Ilsvrc, Idx, Cifar10, Cifar100.")]
    [InlineData("study --file STUDY --dataset /tmp --train-error-target 2", "--train-error-target: must be from 0 to 1, not 2.")]
    [InlineData("study --file BAD --dataset /tmp", "--file: grid: Duplicate field.")]
    [InlineData("study --file NULLS --dataset /tmp", "--file: preset: Must not be null; leave the field out to use its default.")]
    public void A_usage_error_is_one_line_on_stderr_and_exit_code_2_before_any_work(string commandLine, string expected)
    {
        var (exitCode, output, error) = Run([.. commandLine.Replace("STUDY", StudyFile("""{ "name": "s", "grid": { "model.dropout": [0.1] } }"""), StringComparison.Ordinal)
            .Replace("BAD", StudyFile("""{ "name": "s", "grid": { "model.dropout": [0.1] }, "grid": [] }"""), StringComparison.Ordinal)
            .Replace("NULLS", StudyFile("""{ "name": "s", "preset": null }"""), StringComparison.Ordinal)
            .Split(' '), $"--AlexNet:DataDirectory={dataDirectory}"]);

        exitCode.ShouldBe(2, error);
        error.ShouldContain(expected);
        error.TrimEnd().Split('\n').Length.ShouldBe(1, error);
        output.ShouldBeEmpty();
        Directory.Exists(dataDirectory).ShouldBeFalse("no data folder, no dataset generated");
    }

    [Fact]
    public async Task A_verb_with_its_own_parser_gets_its_tokens_and_help_from_the_command_line()
    {
        string[]? received = null;
        var verb = CommandLineApp.Verb("echo", "Hands its arguments back.", args => Task.FromResult((received = args).Length));

        (await CommandLineApp.InvokeAsync(["echo", "--requests", "3", "--url=http://x"], ServeCommand.Create(), verb)).ShouldBe(3);
        received.ShouldBe(["--requests", "3", "--url=http://x"]);

        received = null;
        var output = new StringWriter();
        var original = Console.Out;
        Console.SetOut(output);
        try
        {
            (await CommandLineApp.InvokeAsync(["echo", "--help"], ServeCommand.Create(), verb)).ShouldBe(0);
        }
        finally
        {
            Console.SetOut(original);
        }

        received.ShouldBeNull();
        output.ToString().ShouldContain("Hands its arguments back.");
    }

    /// <summary>Outside the data folder, which a usage error must not create.</summary>
    private static string StudyFile(string json)
    {
        var path = Path.Combine(Path.GetTempPath(), $"alexnet-study-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        return path;
    }

    private static (int ExitCode, string Output, string Error) Run(string[] args)
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        var (originalOut, originalError) = (Console.Out, Console.Error);
        Console.SetOut(output);
        Console.SetError(error);
        try
        {
            var exitCode = (int)typeof(Program).Assembly.EntryPoint!.Invoke(null, [args])!;
            return (exitCode, output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(originalOut);
            Console.SetError(originalError);
        }
    }
}
