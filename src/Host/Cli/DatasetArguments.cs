using System.CommandLine;
using System.CommandLine.Parsing;
using AlexNet.Experiments.Domain.Datasets;

namespace AlexNet.Experiments.Host.Cli;

/// <summary>The dataset folder and format of the verbs that register a dataset themselves (train, study).</summary>
internal static class DatasetArguments
{
    public static Option<DirectoryInfo> Folder(string description) => new("--dataset")
    {
        HelpName = "folder",
        Description = description,
    };

    public static Option<DatasetFormat> Format() => new("--format")
    {
        HelpName = "format",
        Description = $"The dataset's format: {string.Join(", ", Enum.GetNames<DatasetFormat>())}",
        DefaultValueFactory = _ => DatasetFormat.ImageFolder,
        // One line, where System.CommandLine lists the names one per line.
        CustomParser = result => Enum.TryParse<DatasetFormat>(result.Tokens[^1].Value, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed)
            ? parsed
            : Error(result, $"--format: '{result.Tokens[^1].Value}' is not a format; use one of {string.Join(", ", Enum.GetNames<DatasetFormat>())}."),
    };

    /// <summary>A usage error unless the folder given exists.</summary>
    public static void MustExist(CommandResult result, Option<DirectoryInfo> folder)
    {
        if (result.GetValue(folder) is { Exists: false } missing)
        {
            result.AddError($"--dataset: '{missing.FullName}' is not a folder.");
        }
    }

    /// <summary>The folder is the user's own, on their own machine: its parent becomes a dataset root of this process, beside the default.</summary>
    public static string[] Roots(DirectoryInfo? folder) =>
        folder is null ? [] : ["--AlexNet:DatasetRoots:0=sources", $"--AlexNet:DatasetRoots:100={folder.Parent?.FullName ?? folder.FullName}"];

    private static DatasetFormat Error(ArgumentResult result, string message)
    {
        result.AddError(message);
        return default;
    }
}
