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
/// preset with overrides, and follow the run until it is evaluated. The folder becomes a dataset root of this process only.
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
        var dataset = new Option<string>("--dataset")
        {
            HelpName = "folder",
            Description = "The dataset's folder (e.g. /usr/share/datasets/fashion-mnist)",
            Required = true,
        };
        // Parsed here rather than by System.CommandLine, whose enum error spans several lines.
        var format = new Option<string>("--format")
        {
            HelpName = "format",
            Description = $"How the folder is laid out: {string.Join(", ", Enum.GetNames<DatasetFormat>())} [default: ImageFolder]",
        };
        format.Validators.Add(result =>
        {
            if (result.Tokens is [.., var token] && !Enum.TryParse<DatasetFormat>(token.Value, ignoreCase: true, out _))
            {
                result.AddError($"--format: '{token.Value}' is not a format; the formats are {string.Join(", ", Enum.GetNames<DatasetFormat>())}.");
            }
        });
        var hyperparameters = new Option<string>("--hyperparameters")
        {
            HelpName = "json",
            Description = """Overrides on the preset, as in the API, e.g. '{"epochs":1,"data":{"trainImages":2000}}'""",
        };
        hyperparameters.Validators.Add(result =>
        {
            if (result.Tokens is [.., var token] && ParseOverrides(token.Value) is null)
            {
                result.AddError("--hyperparameters takes a JSON object, e.g. '{\"epochs\":1}'.");
            }
        });
        var dataDirectory = ConfigurationArguments.DataDirectory();

        var command = new Command("train", "Register a dataset folder, then preprocess, train and evaluate a preset on it in-process, printing " +
            "each epoch. Other configuration keys pass through as --Section:Key=value.")
        {
            preset, dataset, format, hyperparameters, dataDirectory,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction((parseResult, cancellationToken) =>
        {
            string folder = Path.GetFullPath(parseResult.GetValue(dataset)!);
            var overrides = parseResult.GetValue(hyperparameters) is { } json ? ParseOverrides(json) : null;
            var layout = parseResult.GetValue(format) is { } name ? Enum.Parse<DatasetFormat>(name, ignoreCase: true) : DatasetFormat.ImageFolder;
            var request = new TrainRequest(parseResult.GetValue(preset)!, folder, layout, overrides);
            // The folder is the user's own choice on their own machine: it becomes a root for this process, beside the default.
            string[] configuration = [$"--AlexNet:DatasetRoots=sources{Path.PathSeparator}{folder}", .. ConfigurationArguments.For(parseResult, dataDirectory)];
            return InProcessRun.RunAsync(configuration, ExperimentNamePrefix, (mediator, _, token) => SubmitAsync(mediator, request, token), cancellationToken);
        });
        return command;
    }

    private sealed record TrainRequest(string Preset, string Folder, DatasetFormat Format, JsonObject? Overrides);

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
        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(request.Folder));
        var registered = await mediator.Send(new RegisterDatasetCommand(name, request.Folder, request.Format), cancellationToken);
        Console.WriteLine($"{(registered.Existing ? "Dataset registered earlier" : "Registered dataset")} '{name}' ({request.Format}) from {request.Folder}");

        var submitted = await mediator.Send(
            new SubmitExperimentCommand($"{ExperimentNamePrefix}{request.Preset} on {name} {DateTimeOffset.Now:yyyy-MM-dd HH:mm}", registered.Dataset.Id, request.Preset, request.Overrides),
            cancellationToken);
        Console.WriteLine($"Submitted run {submitted.RunId} (preset {request.Preset}, hyperparameters sha256 {submitted.HyperparametersSha256[..12]}), {submitted.Hyperparameters.Epochs} epochs.");
        return submitted.RunId;
    }
}
