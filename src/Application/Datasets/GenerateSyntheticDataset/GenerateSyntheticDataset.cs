using AlexNet.Experiments.Domain.Datasets;
using FluentValidation;
using Mediator;

namespace AlexNet.Experiments.Application.Datasets.GenerateSyntheticDataset;

/// <summary>Writes the synthetic shapes dataset (real JPEG files) unless the folder already holds the same one.</summary>
public sealed record GenerateSyntheticDatasetCommand(string OutputPath, SyntheticDatasetSpec Spec) : ICommand<string>;

public sealed class GenerateSyntheticDatasetValidator : AbstractValidator<GenerateSyntheticDatasetCommand>
{
    public GenerateSyntheticDatasetValidator(ISyntheticDatasetGenerator generator)
    {
        RuleFor(c => c.OutputPath).NotEmpty()
            .Must((c, path) => generator.CanWriteTo(path, c.Spec))
            .WithMessage(c => $"Folder '{c.OutputPath}' is not empty and holds no synthetic dataset of this spec; choose an empty folder.");
        RuleFor(c => c.Spec.Classes).InclusiveBetween(2, 12);
        RuleFor(c => c.Spec.TrainPerClass).InclusiveBetween(1, 100_000);
        RuleFor(c => c.Spec.ValidationPerClass).InclusiveBetween(1, 100_000);
        RuleFor(c => c.Spec.ImageSize).InclusiveBetween(16, 2048);
    }
}

public sealed class GenerateSyntheticDatasetHandler(ISyntheticDatasetGenerator generator) : ICommandHandler<GenerateSyntheticDatasetCommand, string>
{
    public async ValueTask<string> Handle(GenerateSyntheticDatasetCommand command, CancellationToken cancellationToken) =>
        await generator.GenerateAsync(command.Spec, command.OutputPath, cancellationToken);
}
