namespace AlexNet.Experiments.Application.Runs;

/// <summary>
/// The cancellation sources of the run steps executing in this process (several at once for a run's preprocessing shards).
/// Cancelling a run trips every one of its steps' tokens, which the trainer checks at every batch boundary; the run's
/// Cancelled status in the store is what keeps it stopped, and what a step running in another process reads.
/// </summary>
public sealed class RunCancellations
{
    private readonly Dictionary<Guid, List<CancellationTokenSource>> running = [];

    /// <summary>A token cancelled by <see cref="Cancel"/> until the returned scope is disposed.</summary>
    public Scope Register(Guid runId)
    {
        var source = new CancellationTokenSource();
        lock (running)
        {
            if (!running.TryGetValue(runId, out var sources))
            {
                running[runId] = sources = [];
            }

            sources.Add(source);
        }

        return new Scope(this, runId, source);
    }

    /// <summary>
    /// True while a step of the run executes here, also after its cancellation until the step has saved its state and
    /// returned: the run's files are still being written until then.
    /// </summary>
    public bool IsExecuting(Guid runId)
    {
        lock (running)
        {
            return running.ContainsKey(runId);
        }
    }

    /// <summary>True when a step of the run was executing here.</summary>
    public bool Cancel(Guid runId)
    {
        List<CancellationTokenSource> sources;
        lock (running)
        {
            if (!running.TryGetValue(runId, out var registered))
            {
                return false;
            }

            sources = [.. registered];
        }

        foreach (var source in sources)
        {
            source.Cancel();
        }

        return true;
    }

    private void Remove(Guid runId, CancellationTokenSource source)
    {
        lock (running)
        {
            if (running.TryGetValue(runId, out var sources) && sources.Remove(source) && sources.Count == 0)
            {
                running.Remove(runId);
            }
        }
    }

    public sealed class Scope(RunCancellations owner, Guid runId, CancellationTokenSource source) : IDisposable
    {
        public CancellationToken Token => source.Token;

        public void Dispose()
        {
            owner.Remove(runId, source);
            source.Dispose();
        }
    }
}
