using System.Collections.Concurrent;

namespace AlexNet.Experiments.Application.Runs;

/// <summary>Live progress of a step in this process (e.g. images preprocessed so far); the store keeps only finished work.</summary>
public sealed record RunProgress(string Phase, int Done, int Total, int Skipped, DateTimeOffset StartedAt, DateTimeOffset UpdatedAt)
{
    public double PerSecond => UpdatedAt > StartedAt ? Done / (UpdatedAt - StartedAt).TotalSeconds : 0;
}

public sealed class RunProgressBoard(TimeProvider clock)
{
    private readonly ConcurrentDictionary<Guid, RunProgress> progress = new();

    /// <summary>A new phase restarts the clock the rate is measured from.</summary>
    public RunProgress Report(Guid runId, string phase, int done, int total, int skipped)
    {
        var now = clock.GetUtcNow();
        return progress.AddOrUpdate(
            runId,
            _ => new RunProgress(phase, done, total, skipped, now, now),
            (_, previous) => new RunProgress(phase, done, total, skipped, previous.Phase == phase ? previous.StartedAt : now, now));
    }

    public RunProgress? Get(Guid runId) => progress.GetValueOrDefault(runId);
}
