using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Storage;
using FluentValidation;
using Mediator;

namespace AlexNet.Experiments.Application.Datasets.RegisterDataset;

/// <summary>Registers an image folder in the ImageNet layout (root/train/&lt;class&gt;/*, root/val/&lt;class&gt;/*).</summary>
public sealed record RegisterDatasetCommand(string Name, string SourcePath) : ICommand<Dataset>;

public sealed class RegisterDatasetValidator : AbstractValidator<RegisterDatasetCommand>
{
    public RegisterDatasetValidator()
    {
        RuleFor(c => c.Name).NotEmpty().MaximumLength(200);
        RuleFor(c => c.SourcePath).Cascade(CascadeMode.Stop)
            .NotEmpty()
            .Must(Directory.Exists).WithMessage(c => $"Folder '{c.SourcePath}' does not exist.")
            .Must(path => HasClassFolders(path, "train")).WithMessage("The folder needs a train/ sub-folder with one folder per class.")
            .Must(path => HasClassFolders(path, "val")).WithMessage("The folder needs a val/ sub-folder with one folder per class.");
    }

    private static bool HasClassFolders(string root, string split)
    {
        var folder = Path.Combine(root, split);
        return Directory.Exists(folder) && Directory.EnumerateDirectories(folder).Any();
    }
}

public sealed class RegisterDatasetHandler(IResultsStore store, TimeProvider clock) : ICommandHandler<RegisterDatasetCommand, Dataset>
{
    public async ValueTask<Dataset> Handle(RegisterDatasetCommand command, CancellationToken cancellationToken)
    {
        var dataset = new Dataset(Guid.NewGuid(), command.Name.Trim(), Path.GetFullPath(command.SourcePath), clock.GetUtcNow());
        await store.AddDatasetAsync(dataset, cancellationToken);
        return dataset;
    }
}
