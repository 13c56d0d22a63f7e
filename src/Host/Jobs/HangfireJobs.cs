using System.ComponentModel;
using AlexNet.Experiments.Application.Runs.ExecuteRunStep;
using AlexNet.Experiments.Domain.Jobs;
using Hangfire;
using Hangfire.States;
using Hangfire.Storage.SQLite;
using Mediator;

namespace AlexNet.Experiments.Host.Jobs;

public static class HangfireJobs
{
    /// <summary>Hangfire on an embedded SQLite job store next to the results store; tests may replace JobStorage.</summary>
    public static IServiceCollection AddHangfireJobs(this IServiceCollection services, string dataDirectory, int workerCount)
    {
        services.AddSingleton<RunJobDeletedFilter>();
        services.AddHangfire((provider, configuration) => configuration
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UseSQLiteStorage(Path.Combine(dataDirectory, "hangfire.db"), new SQLiteStorageOptions { QueuePollInterval = TimeSpan.FromMilliseconds(500) })
            // A failed step marks its run Failed; retrying a deterministic failure would only repeat it.
            .UseFilter(new AutomaticRetryAttribute { Attempts = 0 })
            .UseFilter(provider.GetRequiredService<RunJobDeletedFilter>()));
        services.AddHangfireServer(options =>
        {
            // Training steps use every core; more workers would only make them compete.
            options.WorkerCount = workerCount;
            options.SchedulePollingInterval = TimeSpan.FromSeconds(1);
        });
        services.AddSingleton<IJobScheduler, HangfireJobScheduler>();
        return services;
    }
}

public sealed class HangfireJobScheduler(IBackgroundJobClient client, JobStorage storage) : IJobScheduler
{
    private static readonly HashSet<string> LiveStates = [EnqueuedState.StateName, ProcessingState.StateName, ScheduledState.StateName, AwaitingState.StateName];

    public string Enqueue(RunStep step) => client.Enqueue<RunStepJob>(job => job.ExecuteAsync(step, CancellationToken.None));

    public bool IsAlive(string jobId)
    {
        using var connection = storage.GetConnection();
        return connection.GetJobData(jobId)?.State is { } state && LiveStates.Contains(state);
    }
}

/// <summary>The Hangfire entry point for one run step; Hangfire supplies the cancellation token at execution time.</summary>
public sealed class RunStepJob(IMediator mediator)
{
    [DisplayName("{0}")]
    public async Task ExecuteAsync(RunStep step, CancellationToken cancellationToken) =>
        await mediator.Send(new ExecuteRunStepCommand(step), cancellationToken);
}
