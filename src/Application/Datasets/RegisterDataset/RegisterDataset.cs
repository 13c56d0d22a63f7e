using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Storage;
using FluentValidation;
using FluentValidation.Results;
using Mediator;

namespace AlexNet.Experiments.Application.Datasets.RegisterDataset;

/// <summary>
/// Registers a source folder in one of the <see cref="DatasetFormat"/>s. The folder must lie under a configured dataset root;
/// registering the same folder in the same format again returns the dataset already registered.
/// </summary>
public sealed record RegisterDatasetCommand(string Name, string SourcePath, DatasetFormat Format = DatasetFormat.ImageFolder) : ICommand<RegisteredDataset>;

/// <param name="Existing">True when the folder was registered before and <paramref name="Dataset"/> is that registration.</param>
public sealed record RegisteredDataset(Dataset Dataset, bool Existing);

public sealed class RegisterDatasetValidator : AbstractValidator<RegisterDatasetCommand>
{
    public RegisterDatasetValidator()
    {
        RuleFor(c => c.Name).NotEmpty().MaximumLength(200).PlainLine();
        RuleFor(c => c.SourcePath).NotEmpty().MaximumLength(4096);
        RuleFor(c => c.Format).IsInEnum();
    }
}

public sealed class RegisterDatasetHandler(IDatasetStore datasetStore, IDatasetSources sources, TimeProvider clock) : ICommandHandler<RegisterDatasetCommand, RegisteredDataset>
{
    public async ValueTask<RegisteredDataset> Handle(RegisterDatasetCommand command, CancellationToken cancellationToken)
    {
        var check = await sources.CheckAsync(command.SourcePath, command.Format, cancellationToken);
        if (check.SourcePath is not { } sourcePath)
        {
            throw new ValidationException([new ValidationFailure("sourcePath", check.Problem)]);
        }

        if (await datasetStore.FindDatasetAsync(sourcePath, command.Format, cancellationToken) is { } existing)
        {
            return new RegisteredDataset(existing, Existing: true);
        }

        var dataset = new Dataset(Guid.NewGuid(), command.Name.Trim(), sourcePath, command.Format, clock.GetUtcNow());
        await datasetStore.AddDatasetAsync(dataset, cancellationToken);
        return new RegisteredDataset(dataset, Existing: false);
    }
}
