using AlexNet.Experiments.Domain.Jobs;
using Hangfire;
using Hangfire.Common;
using Hangfire.States;

namespace AlexNet.Experiments.Host.Jobs;

public sealed class HangfireJobScheduler(IBackgroundJobClient client, JobStorage storage, TimeProvider clock) : IJobScheduler
{
    private static readonly HashSet<string> WaitingStates = [EnqueuedState.StateName, ScheduledState.StateName, AwaitingState.StateName];

    // The queue is stored with the job, so a job requeued from the dashboard goes back to the same queue.
    public string Enqueue(RunStep step, JobPlacement placement) =>
        HangfireQueues.Enqueue(client, Job.FromExpression<RunStepJob>(job => job.ExecuteAsync(step, CancellationToken.None), HangfireQueues.Name(placement)));

    /// <summary>Waiting to run, or processing on a server that is alive by <see cref="ServerLiveness"/>; a recorded state alone proves nothing.</summary>
    public bool IsAlive(string jobId)
    {
        using var connection = storage.GetConnection();
        var state = connection.GetStateData(jobId);
        if (state is null)
        {
            return false;
        }

        if (WaitingStates.Contains(state.Name))
        {
            return true;
        }

        return state.Name == ProcessingState.StateName
            && state.Data.TryGetValue("ServerId", out var serverId)
            && storage.GetMonitoringApi().Servers().FirstOrDefault(s => s.Name == serverId) is { } server
            && ServerLiveness.IsAlive(server.Name, server.Heartbeat, clock.GetUtcNow());
    }

    /// <summary>Deletes the job if it is still recorded as processing, so a later re-fetch by the job store finds nothing to run.</summary>
    public void Abandon(string jobId) => client.Delete(jobId, ProcessingState.StateName);
}
