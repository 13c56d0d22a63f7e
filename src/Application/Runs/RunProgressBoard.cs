using System.Collections.Concurrent;

namespace AlexNet.Experiments.Application.Runs;

/// <summary>Live progress of a step in this process (e.g. images preprocessed so far); the store keeps only finished work.</summary>
public sealed record RunProgress(string Phase, int Done, int Total, int Skipped, double PerSecond, DateTimeOffset StartedAt, DateTimeOffset UpdatedAt);

public sealed class RunProgressBoard(TimeProvider clock)
{
    private readonly ConcurrentDictionary<Guid, RunProgress> progress = new();

    public RunProgress Report(Guid runId, string phase, int done, int total, int skipped)
    {
        var now = clock.GetUtcNow();
        return progress.AddOrUpdate(
            runId,
            _ => new RunProgress(phase, done, total, skipped, 0, now, now),
            (_, previous) =>
            {
                var started = previous.Phase == phase ? previous.StartedAt : now;
                double seconds = (now - started).TotalSeconds;
                return new RunProgress(phase, done, total, skipped, seconds > 0 ? done / seconds : 0, started, now);
            });
    }

    public RunProgress? Get(Guid runId) => progress.GetValueOrDefault(runId);

    public void Clear(Guid runId) => progress.TryRemove(runId, out _);
}
