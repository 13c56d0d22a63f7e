using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Storage;

namespace AlexNet.Experiments.Application.Runs.Steps;

internal static class PreprocessingCoordinationExtensions
{
    /// <summary>The version a shard or merge step's run waits for; such a step is queued only after the run planned it.</summary>
    public static async Task<VersionPreprocessing> VersionAwaitedByAsync(this IPreprocessingCoordination coordination, Guid runId, CancellationToken cancellationToken) =>
        await coordination.GetPreprocessingAsync(runId, cancellationToken)
        ?? throw new InvalidOperationException($"Run {runId} waits for no preprocessing shards.");
}
