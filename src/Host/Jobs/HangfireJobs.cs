using System.ComponentModel;
using System.Diagnostics;
using AlexNet.Experiments.Application.Retrieval.RunFeatureExtraction;
using AlexNet.Experiments.Application.Runs.Steps;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Jobs;
using AlexNet.Experiments.Domain.Retrieval;
using AlexNet.Experiments.Infrastructure.Storage;
using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.Common;
using Hangfire.States;
using Hangfire.Storage.SQLite;
using Mediator;

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

/// <summary>Where Hangfire keeps its jobs for each storage backend.</summary>
public static class JobStores
{
    /// <summary>
    /// Hangfire.PostgreSql hides a fetched job for <see cref="PostgreSqlStorageOptions.InvisibilityTimeout"/>, and with a sliding
    /// timeout keeps extending that while the job runs, so a step that runs long is never fetched a second time by another worker.
    /// A job whose process died becomes visible again after the timeout; reconciliation usually requeues its run sooner.
    /// </summary>
    public static readonly TimeSpan PostgreSqlInvisibilityTimeout = TimeSpan.FromMinutes(5);

    public static IGlobalConfiguration UseJobStorage(this IGlobalConfiguration configuration, StorageOptions storage) => storage.Backend switch
    {
        StorageBackend.PostgreSql => configuration.UsePostgreSqlStorage(
            bootstrap => bootstrap.UseNpgsqlConnection(storage.ResultsConnectionString),
            new PostgreSqlStorageOptions
            {
                SchemaName = "hangfire",
                PrepareSchemaIfNecessary = true,
                QueuePollInterval = TimeSpan.FromMilliseconds(500),
                InvisibilityTimeout = PostgreSqlInvisibilityTimeout,
                UseSlidingInvisibilityTimeout = true,
                // A lock left by a killed process is taken over after this; every lock we and Hangfire take lasts well under it.
                DistributedLockTimeout = TimeSpan.FromMinutes(1),
            }),
        _ => configuration.UseSQLiteStorage(
            Path.Combine(storage.DataDirectory, "hangfire.db"), new SQLiteStorageOptions { QueuePollInterval = TimeSpan.FromMilliseconds(500) }),
    };
}

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

/// <summary>
/// Hangfire queue names of the work queues. A training queue is one Hangfire queue per tier ("train-cpu-0" .. "train-cpu-9");
/// the others are one queue each. A server lists its queues in ordinal order, which is the priority on both job stores:
/// Hangfire.Storage.SQLite tries the queues in the order the server lists them, Hangfire.PostgreSql orders its fetch by queue
/// name. These names sort the same under byte-wise and linguistic collations (they differ at a letter or digit first).
/// </summary>
public static class HangfireQueues
{
    public static string Name(JobPlacement placement) =>
        IsTiered(placement.Queue) ? $"{placement.Queue}-{Math.Clamp(placement.Tier, 0, WorkQueues.LastTier)}" : placement.Queue;

    /// <summary>
    /// The Hangfire queues of the given work queues, highest priority first; an unknown name is a configuration error. A server
    /// taking every work queue also takes "default", where versions before the work queues put every job, so those still run.
    /// </summary>
    public static string[] ForServer(IReadOnlyList<string> queues)
    {
        if (queues.Count == 0 || queues.Any(q => !WorkQueues.All.Contains(q)))
        {
            throw new InvalidOperationException(
                $"AlexNet:Queues must name one or more of {string.Join(", ", WorkQueues.All)}; got '{string.Join(",", queues)}'.");
        }

        return queues.Distinct()
            .SelectMany(q => IsTiered(q) ? Enumerable.Range(0, WorkQueues.LastTier + 1).Select(t => Name(new JobPlacement(q, t))) : [q])
            .Concat(WorkQueues.All.All(queues.Contains) ? [EnqueuedState.DefaultQueue] : [])
            .Order(StringComparer.Ordinal)
            .ToArray();
    }

    /// <summary>The queue is kept with the job (so the dashboard's requeue keeps it) and in its enqueued state (so the dashboard shows it).</summary>
    public static string Enqueue(IBackgroundJobClient client, Job job) => client.Create(job, new EnqueuedState(job.Queue));

    private static bool IsTiered(string queue) => queue is WorkQueues.TrainCpu or WorkQueues.TrainGpu;
}

/// <summary>
/// Whether a Hangfire server still runs. A server on this machine names its process (id and start time) in its server name, so
/// a dead one is recognised at once, even seconds after a crash, and a reused process id is not mistaken for it. Another
/// machine's server is alive while its heartbeat is recent.
/// </summary>
public static class ServerLiveness
{
    public static readonly TimeSpan HeartbeatTimeout = TimeSpan.FromMinutes(1);

    private const char Separator = '~';

    /// <summary>"{machine}~{process id}~{process start, UTC ticks}"; Hangfire appends ":{guid}" to make the server id.</summary>
    public static string LocalServerName { get; } = ServerName(Environment.MachineName, Environment.ProcessId, StartTicks(Process.GetCurrentProcess()));

    public static string ServerName(string machine, int processId, long startTicks) => $"{machine}{Separator}{processId}{Separator}{startTicks}";

    public static bool IsAlive(string serverId, DateTime? lastHeartbeat, DateTimeOffset now)
    {
        var parts = serverId.Split(':')[0].Split(Separator);
        if (parts.Length == 3 && parts[0].Equals(Environment.MachineName, StringComparison.OrdinalIgnoreCase)
            && int.TryParse(parts[1], out int processId) && long.TryParse(parts[2], out long startTicks))
        {
            return IsRunning(processId, startTicks);
        }

        return lastHeartbeat is { } heartbeat && now - new DateTimeOffset(DateTime.SpecifyKind(heartbeat, DateTimeKind.Utc)) < HeartbeatTimeout;
    }

    private static bool IsRunning(int processId, long startTicks)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            // Start times are read from the kernel at one-second granularity on some systems; a reused id starts later than that.
            return !process.HasExited && Math.Abs(StartTicks(process) - startTicks) < TimeSpan.TicksPerSecond;
        }
        catch (ArgumentException)
        {
            return false; // no such process
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return false; // exited while we looked
        }
    }

    private static long StartTicks(Process process) => process.StartTime.ToUniversalTime().Ticks;
}

/// <summary>The Hangfire entry point for one run step; Hangfire supplies the cancellation token at execution time.</summary>
public sealed class RunStepJob(IMediator mediator)
{
    [DisplayName("{0}")]
    public async Task ExecuteAsync(RunStep step, CancellationToken cancellationToken) =>
        await mediator.Send(new ExecuteRunStepCommand(step), cancellationToken);
}

public sealed class HangfireFeatureExtractionScheduler(IBackgroundJobClient client) : IFeatureExtractionScheduler
{
    public string Enqueue(Guid runId, DatasetSplit split) =>
        HangfireQueues.Enqueue(client, Job.FromExpression<FeatureExtractionJob>(
            job => job.ExecuteAsync(runId, split, CancellationToken.None), HangfireQueues.Name(new JobPlacement(WorkQueues.Evaluate))));
}

/// <summary>The Hangfire entry point for extracting a split's fc7 features; a failure is reported on the features' status, not retried.</summary>
public sealed class FeatureExtractionJob(IMediator mediator)
{
    [DisplayName("Extract {1} features of run {0}")]
    public async Task ExecuteAsync(Guid runId, DatasetSplit split, CancellationToken cancellationToken) =>
        await mediator.Send(new RunFeatureExtractionCommand(runId, split), cancellationToken);
}

/// <summary>
/// One reconciliation at a time across every process on the job store: two workers that both saw a dead job would otherwise
/// both queue its run's next step. A process that cannot get the lock soon skips its pass; the holder does the work.
/// </summary>
public static class ReconciliationLock
{
    private const string Resource = "alexnet:reconcile-runs";

    public static async Task<int> RunAsync(IServiceProvider services, TimeSpan quietPeriod, CancellationToken cancellationToken)
    {
        using var connection = services.GetRequiredService<JobStorage>().GetConnection();
        IDisposable held;
        try
        {
            held = connection.AcquireDistributedLock(Resource, TimeSpan.FromSeconds(5));
        }
        catch (Hangfire.Storage.DistributedLockTimeoutException)
        {
            return 0;
        }

        using (held)
        {
            await using var scope = services.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<IMediator>()
                .Send(new Application.Runs.ReconcileRuns.ReconcileRunsCommand(quietPeriod), cancellationToken);
        }
    }
}

/// <summary>Every few seconds, requeues runs whose job died with another process (scale-out) or was lost from the job store.</summary>
public sealed partial class PeriodicReconciliation(IServiceProvider services, ILogger<PeriodicReconciliation> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(20);

    /// <summary>
    /// A run changed more recently than this is left alone: between storing a run (or finishing a step) and recording the next
    /// job lie milliseconds, so this is ample, and it keeps a run whose worker died waiting at most this plus one interval.
    /// </summary>
    public static readonly TimeSpan QuietPeriod = TimeSpan.FromSeconds(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        while (await NextTickAsync(timer, stoppingToken))
        {
            try
            {
                int requeued = await ReconciliationLock.RunAsync(services, QuietPeriod, stoppingToken);
                if (requeued > 0)
                {
                    LogRequeued(requeued);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(e);
            }
        }
    }

    // A host that fails to start (a port in use) is disposed without being stopped, which cancels the token mid-wait.
    private static async Task<bool> NextTickAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(LogLevel.Warning, "Requeued {Count} runs whose job was no longer alive")]
    private partial void LogRequeued(int count);

    [LoggerMessage(LogLevel.Error, "Periodic run reconciliation failed; it is tried again at the next tick")]
    private partial void LogFailed(Exception exception);
}
