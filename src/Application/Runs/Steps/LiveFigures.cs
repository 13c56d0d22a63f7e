using AlexNet.Experiments.Domain.Storage;
using AlexNet.Experiments.Domain.Training;

namespace AlexNet.Experiments.Application.Runs.Steps;

/// <summary>
/// What the steps executing in this process show every other process, written to the store by <see cref="RunControl"/>: each
/// step's latest progress (<see cref="RunProgressBoard"/>) and the step-level points waiting in <see cref="StepCurves"/>.
/// </summary>
public sealed class LiveFigures(RunProgressBoard board, IRunProgressStore progressStore, StepCurves curves)
{
    /// <summary>Writes the run's progress unless it is <paramref name="written"/> already, then the points waiting; returns the progress stored.</summary>
    public async Task<RunProgressFigures?> WriteAsync(Guid runId, RunProgressFigures? written, CancellationToken cancellationToken)
    {
        if (board.Get(runId) is { } figures && figures != written)
        {
            await progressStore.SaveRunProgressAsync(runId, figures, cancellationToken);
            written = figures;
        }

        await curves.WriteWaitingAsync(cancellationToken);
        return written;
    }

    /// <summary>This process keeps nothing of the run's progress.</summary>
    public void Forget(Guid runId) => board.Remove(runId);
}
