using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Application.Experiments;
using AlexNet.Experiments.Application.Experiments.SubmitExperiment;
using AlexNet.Experiments.Application.Runs.GetRun;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Infrastructure.Storage;
using AlexNet.Experiments.Infrastructure.Torch;
using Mediator;
using Microsoft.Data.Sqlite;

namespace AlexNet.Experiments.Host.Cli;

/// <summary>
/// Memory over many runs in one process (docs/RELIABILITY.md): the whole host in-process, as <c>serve</c> runs it, trains
/// quickstart runs one after another, submitted through the API's use case, and prints the process's resident memory after
/// each with what holds it. A process that keeps something of every run grows run after run; one that does not levels off
/// within the first few runs, so the last run's figure is compared with the fifth's.
/// </summary>
public static class SoakCommand
{
    public const int ComparedRun = 5;
    public const double AllowedGrowth = 0.10;

    public static Command Create()
    {
        var runs = new Option<int>("--runs")
        {
            HelpName = "n",
            Description = $"Quickstart runs to train one after another (the last is compared with run {ComparedRun}) [default: 30]",
            DefaultValueFactory = _ => 30,
        }.AtLeast(ComparedRun);
        var preset = HyperparameterPresets.All[HyperparameterPresets.Quickstart];
        var epochs = new Option<int>("--epochs")
        {
            HelpName = "n",
            Description = "Epochs per run [default: 4]",
            DefaultValueFactory = _ => 4,
        }.Must(n => HyperparameterResolution.Validate(preset with { Epochs = n }, availableDevices: null) is [var failure, ..] ? failure.ErrorMessage : null);
        var dataDirectory = ConfigurationArguments.DataDirectory();
        dataDirectory.Description = "Where the runs are kept [default: a fresh temporary folder, deleted afterwards]";

        var command = new Command("soak", $"Train quickstart runs one after another in this one process and print its resident memory after each; " +
            $"fails when the last run's exceeds run {ComparedRun}'s by more than {AllowedGrowth:P0}. Other configuration keys pass through as --Section:Key=value.")
        {
            runs, epochs, dataDirectory,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            bool temporary = parseResult.GetResult(dataDirectory) is null;
            var folder = parseResult.GetValue(dataDirectory) ?? Path.Combine(Path.GetTempPath(), "alexnet-soak-" + Guid.NewGuid().ToString("N"));
            try
            {
                return await InProcessHost.RunAsync(
                    [$"--AlexNet:DataDirectory={folder}", .. ConfigurationArguments.For(parseResult)],
                    (services, mediator) => SoakAsync(mediator, services.GetRequiredService<StorageOptions>(), parseResult.GetValue(runs), parseResult.GetValue(epochs), cancellationToken),
                    stopped: null,
                    cancellationToken);
            }
            finally
            {
                if (temporary)
                {
                    DeleteFolder(folder);
                }
            }
        });
        return command;
    }

    private static async Task<int> SoakAsync(IMediator mediator, StorageOptions storage, int runs, int epochs, CancellationToken cancellationToken)
    {
        var datasetId = await QuickstartCommand.RegisterDatasetAsync(mediator, storage, cancellationToken);
        Console.WriteLine($"Soak: {runs} quickstart runs of {epochs} epochs, one after another, in this process ({Environment.ProcessorCount} cores)");
        Console.WriteLine($"  before the first run            {Describe(ProcessMemory.Now())}");
        var resident = new List<long>(runs);
        bool allSucceeded = true;
        for (int run = 1; run <= runs; run++)
        {
            var clock = Stopwatch.StartNew();
            ProcessMemory.ResetPeak();
            var submitted = await mediator.Send(
                new SubmitExperimentCommand($"soak {run}", datasetId, HyperparameterPresets.Quickstart, new JsonObject { ["epochs"] = epochs }),
                cancellationToken);
            var status = await WaitUntilFinalAsync(mediator, submitted.RunId, cancellationToken);
            allSucceeded &= status == RunStatus.Succeeded;
            var memory = ProcessMemory.Now();
            resident.Add(memory.ResidentBytes);
            Console.WriteLine(FormattableString.Invariant($"  run {run,3}/{runs} {status,-9} {clock.Elapsed.TotalSeconds,5:F0} s  {Describe(memory)}"));
        }

        long last = resident[^1], compared = resident[ComparedRun - 1];
        double ratio = (double)last / compared;
        bool bounded = ratio <= 1 + AllowedGrowth;
        Console.WriteLine(FormattableString.Invariant(
            $"RSS after run {runs} {ProcessMemory.MiB(last)}, after run {ComparedRun} {ProcessMemory.MiB(compared)}: ratio {ratio:F3} ") +
            FormattableString.Invariant($"(at most {1 + AllowedGrowth:F2}: {(bounded ? "bounded" : "GROWING")}){(allSucceeded ? "" : "; NOT EVERY RUN SUCCEEDED")}"));
        return bounded && allSucceeded ? 0 : 1;
    }

    private static string Describe(ProcessMemory memory) =>
        $"RSS {ProcessMemory.MiB(memory.ResidentBytes),7}  (" +
        (memory.PeakResidentBytes is { } peak ? $"peak {ProcessMemory.MiB(peak)}; " : "") +
        $"managed heap {ProcessMemory.MiB(memory.ManagedHeapBytes)}" +
        (memory.NativeHeapInUseBytes is { } native ? $", malloc in use {ProcessMemory.MiB(native)})" : ")");

    private static void DeleteFolder(string folder)
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
            // a file still held by a background thread stopping after Ctrl-C; the folder is in the temp folder
        }
    }

    private static async Task<RunStatus> WaitUntilFinalAsync(IMediator mediator, Guid runId, CancellationToken cancellationToken)
    {
        while (true)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
            var status = (await mediator.Send(new GetRunQuery(runId), cancellationToken))!.Run.Status;
            if (status.IsFinal())
            {
                return status;
            }
        }
    }
}
