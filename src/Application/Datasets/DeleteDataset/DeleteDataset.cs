using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Domain.Storage;
using Mediator;

namespace AlexNet.Experiments.Application.Datasets.DeleteDataset;

/// <summary>
/// Unregisters a dataset no experiment uses and deletes the preprocessed versions no other dataset trains on; its source folder
/// is left alone.
/// </summary>
public sealed record DeleteDatasetCommand(Guid DatasetId) : ICommand;

public sealed class DeleteDatasetHandler(IDatasetStore datasetStore, IArtifactStore artifacts) : ICommandHandler<DeleteDatasetCommand>
{
    public async ValueTask<Unit> Handle(DeleteDatasetCommand command, CancellationToken cancellationToken)
    {
        _ = await datasetStore.GetDatasetAsync(command.DatasetId, cancellationToken) ?? throw new NotFoundException("Dataset", command.DatasetId);
        var deletion = await datasetStore.TryDeleteDatasetAsync(command.DatasetId, cancellationToken)
            ?? throw new ConflictException($"Dataset {command.DatasetId} is used by an experiment; delete its experiments first.");
        // After the rows: a crash in between leaves files no row names, never a row naming missing files.
        foreach (var contentHash in deletion.ForgottenVersions)
        {
            artifacts.DeleteDatasetVersionFiles(contentHash);
        }

        return Unit.Value;
    }
}
