using System.CommandLine;
using System.Text.Json.Nodes;
using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Application.Datasets.GenerateSyntheticDataset;
using AlexNet.Experiments.Application.Datasets.RegisterDataset;
using AlexNet.Experiments.Application.Experiments;
using AlexNet.Experiments.Application.Experiments.ListExperiments;
using AlexNet.Experiments.Application.Experiments.SubmitExperiment;
using AlexNet.Experiments.Application.Runs.GetRun;
using AlexNet.Experiments.Application.Runs.GetRunMetrics;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Training;
using AlexNet.Experiments.Infrastructure.Storage;
using Mediator;

namespace AlexNet.Experiments.Host.Cli;

/// <summary>
/// The main job end to end, in-process, through the same use cases and Hangfire as the API: generate the synthetic
/// dataset, register it, submit the quickstart preset, and follow the run until it is evaluated. A quickstart stopped
/// by Ctrl-C or SIGTERM leaves its run saved; the next quickstart in the same data folder continues it.
/// </summary>
public static class QuickstartCommand
{
    private const string ExperimentNamePrefix = "quickstart";

    public static Command Create()
    {
        var preset = HyperparameterPresets.All[HyperparameterPresets.Quickstart];
        // The submission's own rule, checked before the dataset is generated.
        var epochs = new Option<int>("--epochs")
        {
            HelpName = "n",
            Description = $"Epochs to train [default: {preset.Epochs}]",
        }.Must(n => HyperparameterResolution.Validate(preset with { Epochs = n }, availableDevices: null) is [var failure, ..] ? failure.ErrorMessage : null);
        var dataDirectory = ConfigurationArguments.DataDirectory();

        var command = new Command("quickstart", "Generate the synthetic shapes dataset, then preprocess, train and evaluate the quickstart preset " +
            "in-process, printing each epoch. Other configuration keys pass through as --Section:Key=value.")
        {
            epochs, dataDirectory,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction((parseResult, cancellationToken) =>
            RunAsync(
                ConfigurationArguments.For(parseResult, dataDirectory),
                parseResult.GetResult(epochs) is null ? null : parseResult.GetValue(epochs),
                cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string[] configuration, int? epochs, CancellationToken cancellationToken)
    {
        Guid? runId = null;
        return await InProcessHost.RunAsync(
            configuration,
            async (services, mediator) =>
            {
                var storage = services.GetRequiredService<StorageOptions>();
                Console.WriteLine($"Data folder: {storage.DataDirectory}");

                runId = await FindUnfinishedRunAsync(mediator, cancellationToken) ?? await SubmitAsync(mediator, storage, epochs, cancellationToken);
                return await QuickstartOutput.ShowAsync(output => FollowAsync(mediator, storage, runId.Value, output, cancellationToken));
            },
            () => Console.WriteLine(runId is { } id
                ? $"Stopped. Run {id} is saved; the next quickstart in this data folder continues it."
                : "Stopped before a run was submitted."),
            cancellationToken);
    }

    private static async Task<Guid?> FindUnfinishedRunAsync(IMediator mediator, CancellationToken cancellationToken)
    {
        var experiments = await mediator.Send(new ListExperimentsQuery(), cancellationToken);
        foreach (var summary in experiments.Where(e => e.Experiment.Name.StartsWith(ExperimentNamePrefix, StringComparison.Ordinal)))
        {
            var details = await mediator.Send(new GetRunQuery(summary.LatestRunId), cancellationToken);
            if (details is not null && !details.Run.Status.IsFinal())
            {
                Console.WriteLine($"Continuing run {details.Run.Id} of '{summary.Experiment.Name}' ({details.Run.EpochsCompleted} of {details.Hyperparameters.Epochs} epochs done), " +
                    "stopped before it finished; --epochs applies to new runs.");
                return details.Run.Id;
            }
        }

        return null;
    }

    private static async Task<Guid> SubmitAsync(IMediator mediator, StorageOptions storage, int? epochs, CancellationToken cancellationToken)
    {
        var sourcePath = Path.Combine(storage.DataDirectory, "sources", "synthetic-shapes");
        // A non-empty folder passes the command's validation only if it already holds this dataset, which is then kept.
        bool reuse = Directory.Exists(sourcePath) && Directory.EnumerateFileSystemEntries(sourcePath).Any();
        Console.WriteLine(reuse
            ? $"Reusing the synthetic shapes dataset generated earlier in {sourcePath}"
            : $"Generating the synthetic shapes dataset in {sourcePath} ...");
        try
        {
            sourcePath = await mediator.Send(new GenerateSyntheticDatasetCommand(sourcePath, SyntheticDatasetSpec.Quickstart), cancellationToken);
        }
        catch (OperationCanceledException) when (!reuse && Directory.Exists(sourcePath))
        {
            // A half-written folder would fail the next quickstart's check that the folder holds this dataset.
            Directory.Delete(sourcePath, recursive: true);
            throw;
        }

        // Registering the same folder again returns the dataset registered before.
        var dataset = (await mediator.Send(new RegisterDatasetCommand("synthetic-shapes", sourcePath), cancellationToken)).Dataset;

        var submitted = await mediator.Send(
            new SubmitExperimentCommand(
                $"{ExperimentNamePrefix} {DateTimeOffset.Now:yyyy-MM-dd HH:mm}", dataset.Id, HyperparameterPresets.Quickstart,
                epochs is { } n ? new JsonObject { ["epochs"] = n } : null),
            cancellationToken);
        Console.WriteLine($"Submitted run {submitted.RunId} (hyperparameters sha256 {submitted.HyperparametersSha256[..12]}), {submitted.Hyperparameters.Epochs} epochs.");
        return submitted.RunId;
    }

    private static async Task<int> FollowAsync(IMediator mediator, StorageOptions storage, Guid runId, QuickstartOutput output, CancellationToken cancellationToken)
    {
        var status = (RunStatus?)null;
        int printedEpochs = 0;
        while (true)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
            var run = (await mediator.Send(new GetRunQuery(runId), cancellationToken))!;
            // Read after the run: metrics are stored before the run moves on, so every epoch line comes before the
            // status it led to ("Evaluating" after the last epoch).
            var metrics = await mediator.Send(new GetRunMetricsQuery(runId), cancellationToken) ?? [];
            foreach (var m in metrics.Skip(printedEpochs))
            {
                output.Line(EpochLine(m));
            }

            printedEpochs = metrics.Count;
            if (run.Run.Status != status)
            {
                status = run.Run.Status;
                output.Line($"[{DateTime.Now:HH:mm:ss}] {status}");
            }

            output.Progress(run.Run.Status is RunStatus.Preprocessing or RunStatus.Training ? run.Run.Progress : null);
            if (!run.Run.Status.IsFinal())
            {
                continue;
            }

            if (run.Run.Status == RunStatus.Succeeded && run.Evaluation is { } evaluation)
            {
                int classes = run.Record?.ClassCount ?? 0;
                output.Line(
                    $"Evaluation ({evaluation.Crops}, {evaluation.ImageCount} validation images, {classes} classes, chance top-1 error {(classes > 0 ? 1 - 1.0 / classes : 0):P1}):");
                output.Line($"  top-1 error {evaluation.Top1Error:P2}   top-5 error {evaluation.Top5Error:P2}");
                output.Line($"Results: {storage.ResultsDatabasePath} (run {runId})");
                return 0;
            }

            await Console.Error.WriteLineAsync($"Run {runId} {status}: {run.Run.Error}");
            return 1;
        }
    }

    private static string EpochLine(EpochMetrics m) =>
        $"  epoch {m.Epoch,3}  lr {m.LearningRate:G3}  train loss {m.TrainLoss:F3}  train top-1 err {m.TrainTop1Error:P1}  " +
        $"val top-1 err {m.ValidationTop1Error:P1}  val top-5 err {m.ValidationTop5Error:P1}  {m.ImagesPerSecond:F0} img/s";
}
