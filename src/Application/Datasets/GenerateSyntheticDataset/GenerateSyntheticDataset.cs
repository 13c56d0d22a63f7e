using System.Text.Json;
using AlexNet.Experiments.Domain.Datasets;
using FluentValidation;
using Mediator;

namespace AlexNet.Experiments.Application.Datasets.GenerateSyntheticDataset;

/// <summary>Writes the synthetic shapes dataset (real JPEG files) unless the folder already holds the same one.</summary>
public sealed record GenerateSyntheticDatasetCommand(string OutputPath, SyntheticDatasetSpec Spec) : ICommand<string>;

public sealed class GenerateSyntheticDatasetValidator : AbstractValidator<GenerateSyntheticDatasetCommand>
{
    public GenerateSyntheticDatasetValidator()
    {
        RuleFor(c => c.OutputPath).NotEmpty()
            .Must((c, path) => GenerateSyntheticDatasetHandler.CanWriteTo(path, c.Spec))
            .WithMessage(c => $"Folder '{c.OutputPath}' is not empty and holds no synthetic dataset of this spec; choose an empty folder.");
        RuleFor(c => c.Spec.Classes).InclusiveBetween(2, 12);
        RuleFor(c => c.Spec.TrainPerClass).InclusiveBetween(1, 100_000);
        RuleFor(c => c.Spec.ValidationPerClass).InclusiveBetween(1, 100_000);
        RuleFor(c => c.Spec.ImageSize).InclusiveBetween(16, 2048);
    }
}

public sealed class GenerateSyntheticDatasetHandler(ISyntheticDatasetGenerator generator) : ICommandHandler<GenerateSyntheticDatasetCommand, string>
{
    private const string SpecFile = "synthetic-spec.json";

    public async ValueTask<string> Handle(GenerateSyntheticDatasetCommand command, CancellationToken cancellationToken)
    {
        var path = Path.GetFullPath(command.OutputPath);
        // The generator is deterministic: a folder already holding this spec holds this dataset.
        if (!HoldsSpec(path, command.Spec))
        {
            await generator.GenerateAsync(command.Spec, path, cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(path, SpecFile), JsonSerializer.Serialize(command.Spec), cancellationToken);
        }

        return path;
    }

    internal static bool CanWriteTo(string path, SyntheticDatasetSpec spec) =>
        !Directory.Exists(path) || !Directory.EnumerateFileSystemEntries(path).Any() || HoldsSpec(path, spec);

    private static bool HoldsSpec(string path, SyntheticDatasetSpec spec)
    {
        var file = Path.Combine(path, SpecFile);
        return File.Exists(file) && JsonSerializer.Deserialize<SyntheticDatasetSpec>(File.ReadAllText(file)) == spec;
    }
}
