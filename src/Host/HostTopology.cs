using AlexNet.Experiments.Host.Jobs;
using AlexNet.Experiments.Infrastructure.Storage;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Features;

namespace AlexNet.Experiments.Host;

/// <summary>What this process does (<c>AlexNet:Role</c>).</summary>
public enum HostRole
{
    /// <summary>API, dashboard and job server in one process: the default, and the only role on SQLite.</summary>
    Serve,

    /// <summary>API and dashboard; enqueues jobs but runs none.</summary>
    Api,

    /// <summary>Job server and reconciliation; no HTTP.</summary>
    Worker,
}

/// <summary>
/// The process's role and storage, from <see cref="AlexNetSettings"/>: <c>AlexNet:Role</c> = serve | api | worker,
/// <c>AlexNet:Storage</c> = Sqlite | PostgreSql, <c>ConnectionStrings:AlexNet</c> for PostgreSQL, <c>AlexNet:ArtifactDirectory</c>
/// (default: the data folder), <c>AlexNet:Queues</c> (default: every work queue). Reconciliation runs where jobs run (serve, worker):
/// it requeues steps for workers, so without a worker it has nothing to hand them to.
/// </summary>
public sealed record HostTopology(HostRole Role, StorageOptions Storage, IReadOnlyList<string> Queues)
{
    public bool RunsJobs => Role != HostRole.Api;

    public bool ServesHttp => Role != HostRole.Worker;

    /// <summary>
    /// At start-up alone on its own SQLite files, no step can be running, so every unattended run is requeued at once. On shared
    /// storage another process may have just stored a run and not yet queued its job, so start-up waits the same quiet period
    /// as the periodic pass.
    /// </summary>
    public TimeSpan StartupQuietPeriod => Storage.Backend == StorageBackend.Sqlite ? TimeSpan.Zero : PeriodicReconciliation.QuietPeriod;

    /// <summary>
    /// <see cref="AlexNetSettings.From"/> has refused what cannot work: PostgreSQL without a connection string, and api or worker
    /// processes on SQLite files, which other processes cannot share.
    /// </summary>
    public static HostTopology From(AlexNetSettings settings) => new(
        settings.Role,
        // Checkpoints, features and preprocessed datasets: a folder every worker sees (e.g. a network mount).
        new StorageOptions(settings.DataDirectory, settings.Storage, settings.PostgreSqlConnectionString, settings.ArtifactDirectory),
        settings.Queues);
}

/// <summary>The worker role's stand-in for Kestrel: it serves nothing, so several workers share a machine without ports.</summary>
internal sealed class NoHttpServer : IServer
{
    public IFeatureCollection Features { get; } = new FeatureCollection();

    public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
        where TContext : notnull => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
    }
}
