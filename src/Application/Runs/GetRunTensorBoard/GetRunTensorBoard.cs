using AlexNet.Experiments.Domain.Storage;
using AlexNet.Experiments.Domain.Training;
using Mediator;

namespace AlexNet.Experiments.Application.Runs.GetRunTensorBoard;

/// <summary>The run's TensorBoard event files, oldest first; null when the run does not exist, none before its first step point.</summary>
public sealed record GetRunTensorBoardQuery(Guid RunId) : IQuery<IReadOnlyList<string>?>;

public sealed class GetRunTensorBoardHandler(IRunStore runStore, IStepCurveExport export) : IQueryHandler<GetRunTensorBoardQuery, IReadOnlyList<string>?>
{
    public async ValueTask<IReadOnlyList<string>?> Handle(GetRunTensorBoardQuery query, CancellationToken cancellationToken) =>
        await runStore.GetRunAsync(query.RunId, cancellationToken) is null ? null : export.ListFiles(query.RunId);
}
