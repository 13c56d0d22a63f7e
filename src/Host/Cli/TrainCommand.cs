using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Application.Datasets.RegisterDataset;
using AlexNet.Experiments.Application.Experiments.SubmitExperiment;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Infrastructure.Storage;
using Mediator;

namespace AlexNet.Experiments.Host.Cli;

/// <summary>
/// One experiment on a dataset the user has, in-process (see <see cref="InProcessRun"/>): register the folder, submit a
/// preset with overrides, and follow the run until it is evaluated.
/// </summary>
public static class TrainCommand
{
    private const string ExperimentNamePrefix = "train ";

    public static Command Create()
    {
        var preset = new Option<string>("--preset")
        {
            HelpName = "name",
            Description = $"The preset to start from: {string.Join(", ", HyperparameterPresets.All.Keys)}",
            Required = true,
        };
        preset.Validators.Add(result =>
        {
            if (result.Tokens is [.., var token] && !HyperparameterPresets.All.ContainsKey(token.Value))
            {
                result.AddError($"--preset: unknown preset '{token.Value}'; the presets are {string.Join(", ", HyperparameterPresets.All.Keys)}.");
            }
        });
        var dataset = DatasetArguments.Folder("The dataset's folder, e.g. /usr/share/datasets/fashion-mnist (its parent folder becomes a dataset root of this process)");
        dataset.Required = true;
        var format = DatasetArguments.Format();
        var hyperparameters = new Option<JsonObject>("--hyperparameters")
        {
            HelpName = "json",
            Description = """Overrides on the preset, as in the API, e.g. '{"epochs":1,"data":{"trainImages":2000}}'""",
            CustomParser = result =>
            {
                if (ParseOverrides(result.Tokens[^1].Value) is { } overrides)
                {
                    return overrides;
                }

                result.AddError("--hyperparameters takes a JSON object, e.g. '{\"epochs\":1}'.");
                return null;
            },
        };
        var dataDirectory = ConfigurationArguments.DataDirectory();

        var command = new Command("train", "Register a dataset folder, then preprocess, train and evaluate a preset on it in-process, printing " +
            "each epoch. Other configuration keys pass through as --Section:Key=value.")
        {
            preset, dataset, format, hyperparameters, dataDirectory,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.Validators.Add(result => DatasetArguments.MustExist(result, dataset));
        command.SetAction((parseResult, cancellationToken) =>
        {
            var folder = parseResult.GetValue(dataset)!;
            var request = new TrainRequest(parseResult.GetValue(preset)!, folder, parseResult.GetValue(format), parseResult.GetValue(hyperparameters));
            string[] configuration = [.. DatasetArguments.Roots(folder), .. ConfigurationArguments.For(parseResult, dataDirectory)];
            return InProcessRun.RunAsync(configuration, "train", ExperimentNamePrefix, (mediator, _, token) => SubmitAsync(mediator, request, token), cancellationToken);
        });
        return command;
    }

    private sealed record TrainRequest(string Preset, DirectoryInfo Folder, DatasetFormat Format, JsonObject? Overrides);

    private static JsonObject? ParseOverrides(string json)
    {
        try
        {
            return JsonNode.Parse(json) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static async Task<Guid> SubmitAsync(IMediator mediator, TrainRequest request, CancellationToken cancellationToken)
    {
        string name = request.Folder.Name;
        var registered = await mediator.Send(new RegisterDatasetCommand(name, request.Folder.FullName, request.Format), cancellationToken);
        Console.WriteLine($"{(registered.Existing ? "Dataset registered earlier" : "Registered dataset")} '{name}' ({request.Format}) from {request.Folder.FullName}");

        var submitted = await mediator.Send(
            new SubmitExperimentCommand($"{ExperimentNamePrefix}{request.Preset} on {name} {DateTimeOffset.Now:yyyy-MM-dd HH:mm}", registered.Dataset.Id, request.Preset, request.Overrides),
            cancellationToken);
        Console.WriteLine($"Submitted run {submitted.RunId} (preset {request.Preset}, hyperparameters sha256 {submitted.HyperparametersSha256[..12]}), {submitted.Hyperparameters.Epochs} epochs.");
        return submitted.RunId;
    }
}
