using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Storage;
using Microsoft.Extensions.Logging;

namespace AlexNet.Experiments.Application.Runs.Steps;

/// <summary>
/// The run as one execution of a step last read or wrote it: the compare-and-set token of every write it makes. A job store may
/// hand a long job out twice; the execution that loses a race writes nothing more and queues nothing, so a run never grows a
/// second chain of steps and a healthy run is never overwritten, not even by a failure.
/// </summary>
public sealed class RunClaim
{
    private readonly RunClaims owner;

    internal RunClaim(Run run, RunClaims owner)
    {
        Run = run;
        this.owner = owner;
    }

    public Run Run { get; private set; }

    /// <summary>Applies one of the run's transitions and stores it, unless another execution changed the run since this one last did.</summary>
    public async Task<bool> TryAdvanceAsync(Func<Run, DateTimeOffset, Run> transition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transition);
        if (await owner.TryAdvanceAsync(Run, transition, cancellationToken) is not { } advanced)
        {
            return false;
        }

        Run = advanced;
        return true;
    }
}

public sealed partial class RunClaims(IRunStore runs, TimeProvider clock, ILogger<RunClaims> logger)
{
    public async Task<RunClaim> ReadAsync(Guid runId, CancellationToken cancellationToken) =>
        new(await runs.GetRunAsync(runId, cancellationToken) ?? throw new NotFoundException("Run", runId), this);

    internal async Task<Run?> TryAdvanceAsync(Run expected, Func<Run, DateTimeOffset, Run> transition, CancellationToken cancellationToken)
    {
        var advanced = transition(expected, clock.GetUtcNow());
        if (await runs.TryAdvanceRunAsync(expected, advanced, cancellationToken))
        {
            return advanced;
        }

        LogLostRace(expected.Id, expected.Status, expected.EpochsCompleted, advanced.Status);
        return null;
    }

    [LoggerMessage(LogLevel.Warning, "Run {RunId} was already moved past {Status} with {Epochs} epochs by another execution; this one stops here without writing {Wanted}")]
    private partial void LogLostRace(Guid runId, RunStatus status, int epochs, RunStatus wanted);
}
