using AlexNet.Experiments.Domain.Jobs;
using AlexNet.Experiments.Domain.Retrieval;
using AlexNet.Experiments.Infrastructure.Storage;
using Hangfire;

namespace AlexNet.Experiments.Host.Jobs;

public static class HangfireJobs
{
    /// <summary>
    /// Hangfire on the job store that goes with the results store: an embedded SQLite file next to it, or the same PostgreSQL
    /// database (schema "hangfire"); tests may replace JobStorage. A process that <paramref name="runsJobs"/> also hosts a
    /// job server with <paramref name="workerCount"/> workers; one that does not only enqueues and shows the dashboard.
    /// </summary>
    /// <param name="queues">The <see cref="WorkQueues"/> this process's server takes; see <see cref="HangfireQueues.ForServer"/>.</param>
    public static IServiceCollection AddHangfireJobs(this IServiceCollection services, StorageOptions storage, int workerCount, IReadOnlyList<string> queues, bool runsJobs = true)
    {
        var serverQueues = HangfireQueues.ForServer(queues);
        services.AddSingleton<RunJobDeletedFilter>();
        services.AddHangfire((provider, configuration) => configuration
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UseJobStorage(storage)
            // A failed step marks its run Failed; retrying a deterministic failure would only repeat it.
            .UseFilter(new AutomaticRetryAttribute { Attempts = 0 })
            .UseFilter(provider.GetRequiredService<RunJobDeletedFilter>()));
        if (runsJobs)
        {
            services.AddHangfireServer(options =>
            {
                // Training steps use every core; more workers would only make them compete.
                options.WorkerCount = workerCount;
                options.Queues = serverQueues;
                options.SchedulePollingInterval = TimeSpan.FromSeconds(1);
                options.ServerName = ServerLiveness.LocalServerName;
                options.HeartbeatInterval = TimeSpan.FromSeconds(10);
                options.ServerCheckInterval = ServerLiveness.HeartbeatTimeout;
                options.ServerTimeout = ServerLiveness.HeartbeatTimeout;
            });
        }

        services.AddSingleton<IJobScheduler, HangfireJobScheduler>();
        services.AddSingleton<IFeatureExtractionScheduler, HangfireFeatureExtractionScheduler>();
        return services;
    }
}
