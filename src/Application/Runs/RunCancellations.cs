using System.Collections.Concurrent;

namespace AlexNet.Experiments.Application.Runs;

/// <summary>
/// The cancellation sources of the run steps executing in this process. Cancelling a run trips its step's token, which the
/// trainer checks at every batch boundary; the run's Cancelled status in the store is what keeps it stopped.
/// </summary>
public sealed class RunCancellations
{
    private readonly ConcurrentDictionary<Guid, CancellationTokenSource> running = new();

    /// <summary>A token cancelled by <see cref="Cancel"/> until the returned scope is disposed.</summary>
    public Scope Register(Guid runId)
    {
        var source = new CancellationTokenSource();
        running[runId] = source;
        return new Scope(this, runId, source);
    }

    /// <summary>
    /// True while a step of the run executes here, also after its cancellation until the step has saved its state and
    /// returned: the run's files are still being written until then.
    /// </summary>
    public bool IsExecuting(Guid runId) => running.ContainsKey(runId);

    /// <summary>True when a step of the run was executing here.</summary>
    public bool Cancel(Guid runId)
    {
        if (!running.TryGetValue(runId, out var source))
        {
            return false;
        }

        source.Cancel();
        return true;
    }

    public sealed class Scope(RunCancellations owner, Guid runId, CancellationTokenSource source) : IDisposable
    {
        public CancellationToken Token => source.Token;

        public void Dispose()
        {
            owner.running.TryRemove(KeyValuePair.Create(runId, source));
            source.Dispose();
        }
    }
}
