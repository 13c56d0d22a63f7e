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
/// The main job end to end, in-process (see <see cref="InProcessRun"/>): generate the synthetic dataset, register it,
/// submit the quickstart preset, and follow the run until it is evaluated.
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

    private static Task<int> RunAsync(string[] configuration, int? epochs, CancellationToken cancellationToken) =>
        InProcessRun.RunAsync(configuration, "quickstart", ExperimentNamePrefix, (mediator, storage, token) => SubmitAsync(mediator, storage, epochs, token), cancellationToken);

    private static async Task<Guid> SubmitAsync(IMediator mediator, StorageOptions storage, int? epochs, CancellationToken cancellationToken)
    {
        var datasetId = await RegisterDatasetAsync(mediator, storage, cancellationToken);
        var submitted = await mediator.Send(
            new SubmitExperimentCommand(
                $"{ExperimentNamePrefix} {DateTimeOffset.Now:yyyy-MM-dd HH:mm}", datasetId, HyperparameterPresets.Quickstart,
                epochs is { } n ? new JsonObject { ["epochs"] = n } : null),
            cancellationToken);
        Console.WriteLine($"Submitted run {submitted.RunId} (hyperparameters sha256 {submitted.HyperparametersSha256[..12]}), {submitted.Hyperparameters.Epochs} epochs.");
        return submitted.RunId;
    }

    /// <summary>Generates the synthetic shapes dataset in the data folder, or keeps the one generated before, and registers it.</summary>
    internal static async Task<Guid> RegisterDatasetAsync(IMediator mediator, StorageOptions storage, CancellationToken cancellationToken)
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
        return (await mediator.Send(new RegisterDatasetCommand("synthetic-shapes", sourcePath), cancellationToken)).Dataset.Id;
    }
}
