using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Storage;
using AlexNet.Experiments.Domain.Training;
using Microsoft.Extensions.Logging;

namespace AlexNet.Experiments.Application.Runs.Steps;

/// <summary>
/// Control and observation of an executing step across processes, through the store: every
/// <see cref="RunStepOptions.ControlInterval"/> the step's latest progress and step-level points are written where any process
/// reads them (<see cref="LiveFigures"/>), and the run is read back; a run Cancelled by any process trips the step's token,
/// which the trainer checks at every batch boundary.
/// </summary>
public sealed partial class RunControl(
    IRunStore runs, LiveFigures figures, RunCancellations cancellations, RunStepOptions options, TimeProvider clock, ILogger<RunControl> logger)
{
    /// <summary>Watches the run until the returned scope is disposed; its token stops the step when the host stops or the run is cancelled.</summary>
    public RunWatch Watch(Guid runId, CancellationToken stopping) => new(this, runId, cancellations.Register(runId), stopping);

    /// <summary>The step has ended and its figures are stored: unless another step of the run runs here, this process keeps nothing of it.</summary>
    internal void Forget(Guid runId)
    {
        if (!cancellations.IsExecuting(runId))
        {
            figures.Forget(runId);
        }
    }

    internal async Task WatchAsync(Guid runId, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(options.ControlInterval, clock);
        RunProgressFigures? written = null;
        while (await timer.WaitForNextTickAsync(stop))
        {
            try
            {
                written = await figures.WriteAsync(runId, written, stop);

                if (await runs.GetRunAsync(runId, stop) is null or { Status: RunStatus.Cancelled })
                {
                    cancellations.Cancel(runId);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A store that is briefly unreachable must not end the step; the next tick tries again.
                LogWatchFailed(e, runId);
            }
        }
    }

    [LoggerMessage(LogLevel.Warning, "Run {RunId}: could not write progress and step points or read the run's state; trying again")]
    private partial void LogWatchFailed(Exception exception, Guid runId);
}

/// <summary>One executing step's watch; see <see cref="RunControl"/>.</summary>
public sealed class RunWatch : IAsyncDisposable
{
    private readonly RunControl control;
    private readonly Guid runId;
    private readonly RunCancellations.Scope cancellation;
    private readonly CancellationTokenSource linked;
    private readonly CancellationTokenSource stopWatching = new();
    private readonly Task watching;

    internal RunWatch(RunControl control, Guid runId, RunCancellations.Scope cancellation, CancellationToken stopping)
    {
        this.control = control;
        this.runId = runId;
        this.cancellation = cancellation;
        linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, cancellation.Token);
        watching = Task.Run(() => control.WatchAsync(runId, stopWatching.Token));
    }

    /// <summary>Cancelled when the host stops or the run is cancelled.</summary>
    public CancellationToken Token => linked.Token;

    /// <summary>True once the run was cancelled (not merely the host stopping).</summary>
    public bool IsRunCancelled => cancellation.Token.IsCancellationRequested;

    /// <summary>Stops writing progress and reading the run; once it returns, no write of the watch is in flight.</summary>
    public async Task StopAsync()
    {
        await stopWatching.CancelAsync();
        try
        {
            await watching;
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        stopWatching.Dispose();
        linked.Dispose();
        cancellation.Dispose();
        control.Forget(runId);
    }
}
