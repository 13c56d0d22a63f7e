using AlexNet.Experiments.Application.Runs;
using AlexNet.Experiments.Domain.Jobs;
using AlexNet.Experiments.Infrastructure.Storage;
using AlexNet.Experiments.Tests.Shared;
using Microsoft.Extensions.Configuration;

namespace AlexNet.Experiments.Host.Tests;

/// <summary>
/// Issue 21, item 4: every AlexNet:* setting is typed and checked once at start-up, and a wrong one, from the command line or the
/// environment, stops the host before any work with one line naming the key and what it takes, and exit code 2.
/// </summary>
public sealed class SettingsTests : IDisposable
{
    private readonly string dataDirectory = Path.Combine(Path.GetTempPath(), "alexnet-settings-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(dataDirectory))
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    [Theory]
    [InlineData("quickstart --AlexNet:Workers=abc", "AlexNet:Workers must be a whole number from 1 to 256, not 'abc'.")]
    [InlineData("quickstart --AlexNet:Workers=0", "AlexNet:Workers must be a whole number from 1 to 256, not '0'.")]
    [InlineData("quickstart --AlexNet:Workers=1.5", "AlexNet:Workers must be a whole number from 1 to 256, not '1.5'.")]
    [InlineData("quickstart --AlexNet:Workers=1000", "AlexNet:Workers must be a whole number from 1 to 256, not '1000'.")]
    [InlineData("quickstart --AlexNet:TrainingStepMinutes=-5", "AlexNet:TrainingStepMinutes must be a number of minutes from 0 to below 30 (the job store hands a job still running after 30 minutes out again), not '-5'.")]
    [InlineData("quickstart --AlexNet:TrainingStepMinutes=45", "AlexNet:TrainingStepMinutes must be a number of minutes from 0 to below 30 (the job store hands a job still running after 30 minutes out again), not '45'.")]
    [InlineData("quickstart --AlexNet:TrainingStepMinutes=NaN", "AlexNet:TrainingStepMinutes must be a number of minutes from 0 to below 30 (the job store hands a job still running after 30 minutes out again), not 'NaN'.")]
    [InlineData("quickstart --AlexNet:ImagesPerShard=0", "AlexNet:ImagesPerShard must be a whole number of at least 1, not '0'.")]
    [InlineData("quickstart --AlexNet:StepMetricsBatches=0", "AlexNet:StepMetricsBatches must be a whole number of at least 1, not '0'.")]
    [InlineData("quickstart --AlexNet:CheckpointRetention=Some", "AlexNet:CheckpointRetention must be LastAndBest or All, not 'Some'.")]
    [InlineData("quickstart --AlexNet:CheckpointRetention=1", "AlexNet:CheckpointRetention must be LastAndBest or All, not '1'.")]
    [InlineData("quickstart --AlexNet:Role=boss", "AlexNet:Role must be serve, api or worker, not 'boss'.")]
    [InlineData("quickstart --AlexNet:Storage=mysql", "AlexNet:Storage must be Sqlite or PostgreSql, not 'mysql'.")]
    [InlineData("quickstart --AlexNet:Queues=train,evaluate", "AlexNet:Queues must be one or more of preprocess, train-cpu, train-gpu, evaluate, not 'train'.")]
    [InlineData("quickstart --AlexNet:Queues:0=evaluate --AlexNet:Queues:1=gpu", "AlexNet:Queues must be one or more of preprocess, train-cpu, train-gpu, evaluate, not 'gpu'.")]
    [InlineData("quickstart --AlexNet:MemoryBudgetBytes=-1", "AlexNet:MemoryBudgetBytes must be a number of bytes above 0 (e.g. 8e9), not '-1'.")]
    [InlineData("quickstart --AlexNet:DiskBudgetBytes=lots", "AlexNet:DiskBudgetBytes must be a number of bytes above 0 (e.g. 100e9), not 'lots'.")]
    [InlineData("quickstart --AlexNet:Role=worker", "AlexNet:Role=worker shares jobs and results with other processes, which SQLite files do not: set AlexNet:Storage=PostgreSql.")]
    [InlineData("quickstart --AlexNet:Role=boss --AlexNet:Workers=0", "AlexNet:Role must be serve, api or worker, not 'boss'. AlexNet:Workers must be a whole number from 1 to 256, not '0'.")]
    [InlineData("serve --AlexNet:CheckpointRetention=Some", "AlexNet:CheckpointRetention must be LastAndBest or All, not 'Some'.")]
    [InlineData("serve --AlexNet:Storage=PostgreSql", "AlexNet:Storage=PostgreSql needs ConnectionStrings:AlexNet, e.g. \"Host=db.example;Database=alexnet;Username=alexnet;Password=...\".")]
    [InlineData("train --preset quickstart --dataset /tmp --AlexNet:ImagesPerShard=-3", "AlexNet:ImagesPerShard must be a whole number of at least 1, not '-3'.")]
    public void A_wrong_setting_stops_the_host_before_any_work_in_one_line_naming_the_key_with_exit_code_2(string commandLine, string expected)
    {
        var (exitCode, output, error) = Run([.. commandLine.Split(' '), $"--AlexNet:DataDirectory={dataDirectory}"]);

        exitCode.ShouldBe(2, error);
        error.ShouldBe(expected + Environment.NewLine);
        output.ShouldBeEmpty();
        Directory.Exists(dataDirectory).ShouldBeFalse("nothing started: no data folder");
    }

    [Theory]
    [InlineData("AlexNet__Workers", "abc", "AlexNet:Workers must be a whole number from 1 to 256, not 'abc'.")]
    [InlineData("AlexNet__TrainingStepMinutes", "-5", "AlexNet:TrainingStepMinutes must be a number of minutes from 0 to below 30 (the job store hands a job still running after 30 minutes out again), not '-5'.")]
    public async Task A_wrong_setting_in_the_environment_stops_the_real_host_in_one_line_with_exit_code_2(string variable, string value, string expected)
    {
        using var host = HostProcess.StartWithEnvironment(new Dictionary<string, string> { [variable] = value }, "serve", $"--AlexNet:DataDirectory={dataDirectory}");
        var (exitCode, _) = await host.WaitForExitAsync(TimeSpan.FromMinutes(1));

        exitCode.ShouldBe(2, $"{host.Output}\n{host.Error}");
        host.Error.ShouldBe(expected + Environment.NewLine);
        host.Output.ShouldBeEmpty();
        Directory.Exists(dataDirectory).ShouldBeFalse("nothing started: no data folder");
    }

    [Fact]
    public async Task The_host_logs_what_the_torch_runtime_chose_in_one_line_at_start_up()
    {
        using var host = HostProcess.Start(
            "serve", "--urls=http://127.0.0.1:0", $"--AlexNet:DataDirectory={dataDirectory}",
            "--Logging:Console:FormatterName=simple", "--Logging:Console:FormatterOptions:SingleLine=true");
        await host.WaitForOutputAsync("Devices available for training", TimeSpan.FromMinutes(1));

        var line = host.Output.Split('\n').Where(l => l.Contains("Torch runtime:", StringComparison.Ordinal)).ShouldHaveSingleItem();
        line.ShouldStartWith("info: AlexNet.Experiments.Host.StartupTasks[");
        line.ShouldContain(" intra-op threads, kernel workers up to ");
        line.ShouldContain(
            Environment.GetEnvironmentVariable("ONEDNN_MAX_CPU_ISA") is { } yours ? $"ONEDNN_MAX_CPU_ISA={yours}: yours"
            : TestTorchRuntime.Start().OneDnn.MaxIsa is null ? "; oneDNN uncapped: the probe found all 164 float32 convolutions right uncapped ("
            : "; ONEDNN_MAX_CPU_ISA=AVX2: the probe found ");
        line.ShouldContain("malloc keeps freed memory until a step ends (mmap threshold 32 MiB, trim threshold never, top pad 64 MiB)");

        host.Signal(HostProcess.SIGTERM);
        (await host.WaitForExitAsync(TimeSpan.FromSeconds(30))).ExitCode.ShouldBe(143);
    }

    [Fact]
    public void Without_settings_every_default_of_the_readme_applies()
    {
        var settings = From();

        settings.DataDirectory.ShouldBe(Path.GetFullPath("data"));
        (settings.Role, settings.Storage, settings.ArtifactDirectory, settings.PostgreSqlConnectionString).ShouldBe((HostRole.Serve, StorageBackend.Sqlite, null, null));
        settings.DatasetRoots.ShouldBe(["sources"]);
        settings.Queues.ShouldBe(WorkQueues.All);
        (settings.Workers, settings.TrainingStepMinutes, settings.ImagesPerShard, settings.CheckpointRetention).ShouldBe((1, 20.0, 50_000, CheckpointRetention.LastAndBest));
        settings.StepMetricsBatches.ShouldBe(20);
        settings.OneDnnVerdictDirectory.ShouldBeNull("the data folder");
        (settings.ApiKey, settings.MemoryBudgetBytes, settings.DiskBudgetBytes).ShouldBe((null, null, null));
    }

    [Fact]
    public void Values_are_typed_in_any_case_and_blank_ones_are_the_defaults()
    {
        var settings = From(
            ("AlexNet:DataDirectory", "/srv/alexnet"), ("AlexNet:ArtifactDirectory", "artifacts"), ("AlexNet:Role", "Worker"), ("AlexNet:Storage", "postgresql"),
            ("ConnectionStrings:AlexNet", "Host=db"), ("AlexNet:Workers", " 4 "), ("AlexNet:TrainingStepMinutes", "0.003"), ("AlexNet:ImagesPerShard", ""),
            ("AlexNet:CheckpointRetention", "all"), ("AlexNet:MemoryBudgetBytes", "8e9"), ("AlexNet:Queues", " "), ("AlexNet:StepMetricsBatches", "5"));

        (settings.DataDirectory, settings.ArtifactDirectory).ShouldBe(("/srv/alexnet", "/srv/alexnet/artifacts"));
        (settings.Role, settings.Storage, settings.PostgreSqlConnectionString).ShouldBe((HostRole.Worker, StorageBackend.PostgreSql, "Host=db"));
        (settings.Workers, settings.TrainingStepMinutes, settings.ImagesPerShard, settings.CheckpointRetention).ShouldBe((4, 0.003, 50_000, CheckpointRetention.All));
        settings.MemoryBudgetBytes.ShouldBe(8e9);
        settings.StepMetricsBatches.ShouldBe(5);
        settings.Queues.ShouldBe(WorkQueues.All);
    }

    [Fact]
    public void List_settings_take_a_list_or_one_separated_string()
    {
        From(("AlexNet:Queues", "preprocess, Evaluate,evaluate")).Queues.ShouldBe(["preprocess", "evaluate"]);
        From(("AlexNet:Queues:0", "train-gpu")).Queues.ShouldBe(["train-gpu"]);
        From(("AlexNet:DatasetRoots", $"sources{Path.PathSeparator}/srv/images")).DatasetRoots.ShouldBe(["sources", "/srv/images"]);
        From(("AlexNet:DatasetRoots:0", "sources"), ("AlexNet:DatasetRoots:100", "/srv/images")).DatasetRoots.ShouldBe(["sources", "/srv/images"]);
    }

    [Fact]
    public void Printing_the_settings_shows_no_secret()
    {
        var printed = From(("AlexNet:ApiKey", "key-7f3a"), ("AlexNet:Storage", "PostgreSql"), ("ConnectionStrings:AlexNet", "Host=db;Password=pw-91c2")).ToString();

        printed.ShouldNotContain("key-7f3a");
        printed.ShouldNotContain("pw-91c2");
        printed.ShouldContain("ApiKey = set");
    }

    private static AlexNetSettings From(params (string Key, string Value)[] settings) =>
        AlexNetSettings.From(new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build());

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
