using System.Collections.Concurrent;
using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Domain.Storage;
using AlexNet.Experiments.Domain.Training;
using Microsoft.Extensions.Logging;

namespace AlexNet.Experiments.Application.Runs.Steps;

/// <summary>
/// The step-level points of the training steps executing in this process, on their way to the store and from there to
/// TensorBoard. The trainer hands each point to <see cref="Waiting"/>, which only queues it; <see cref="RunControl"/> writes the
/// waiting points every control interval in one round trip; and when a trainer call ends, its step writes the rest and exports
/// the run's stored points (<see cref="IStepCurveExport"/>). Writes take turns, so an export never misses a write still under way.
/// </summary>
public sealed partial class StepCurves(IRunMetricsStore metrics, IStepCurveExport export, ILogger<StepCurves> logger)
{
    private readonly ConcurrentQueue<StepMetrics> waiting = new();
    private readonly SemaphoreSlim writing = new(1, 1);

    public IProgress<StepMetrics> Waiting => new ImmediateProgress<StepMetrics>(waiting.Enqueue);

    /// <summary>Writes every waiting point, of any run; on failure they wait for the next write.</summary>
    public async Task WriteWaitingAsync(CancellationToken cancellationToken)
    {
        await writing.WaitAsync(cancellationToken);
        try
        {
            await WriteAsync(cancellationToken);
        }
        finally
        {
            writing.Release();
        }
    }

    /// <summary>After a trainer call: writes the waiting points, then exports the run's stored points.</summary>
    public async Task KeepAsync(Guid runId, CancellationToken cancellationToken)
    {
        await writing.WaitAsync(cancellationToken);
        try
        {
            await WriteAsync(cancellationToken);
            await export.ExportAsync(runId, await metrics.GetStepMetricsAsync(runId, cancellationToken), cancellationToken);
        }
        finally
        {
            writing.Release();
        }
    }

    /// <summary>
    /// <see cref="KeepAsync"/> after a trainer call that threw (stopped, diverged, failed): a failure here is only logged, so the
    /// call's own exception is what ends the step.
    /// </summary>
    public async Task TryKeepAsync(Guid runId)
    {
        try
        {
            await KeepAsync(runId, CancellationToken.None);
        }
        catch (Exception e)
        {
            LogKeepFailed(e, runId);
        }
    }

    private async Task WriteAsync(CancellationToken cancellationToken)
    {
        var points = new List<StepMetrics>();
        while (waiting.TryDequeue(out var point))
        {
            points.Add(point);
        }

        if (points.Count == 0)
        {
            return;
        }

        try
        {
            await metrics.AddStepMetricsAsync(points, cancellationToken);
        }
        catch
        {
            points.ForEach(waiting.Enqueue);
            throw;
        }
    }

    [LoggerMessage(LogLevel.Warning, "Run {RunId}: could not store or export the step points of its training step, which ended with an exception")]
    private partial void LogKeepFailed(Exception exception, Guid runId);
}
