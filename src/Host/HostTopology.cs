using AlexNet.Experiments.Domain.Jobs;
using AlexNet.Experiments.Host.Api;
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
/// The process's role and storage, read from configuration: <c>AlexNet:Role</c> = serve | api | worker, <c>AlexNet:Storage</c> =
/// Sqlite | PostgreSql, <c>ConnectionStrings:AlexNet</c> for PostgreSQL, <c>AlexNet:ArtifactDirectory</c> (default: the data
/// folder), <c>AlexNet:Queues</c> (default: every work queue). Reconciliation runs where jobs run (serve, worker):
/// it requeues steps for workers, so without a worker it has nothing to hand them to.
/// </summary>
public sealed record HostTopology(HostRole Role, StorageOptions Storage, IReadOnlyList<string> Queues)
{
    public const string RoleSetting = "AlexNet:Role";
    public const string StorageSetting = "AlexNet:Storage";
    public const string ConnectionStringName = "AlexNet";

    public bool RunsJobs => Role != HostRole.Api;

    public bool ServesHttp => Role != HostRole.Worker;

    /// <summary>
    /// At start-up alone on its own SQLite files, no step can be running, so every unattended run is requeued at once. On shared
    /// storage another process may have just stored a run and not yet queued its job, so start-up waits the same quiet period
    /// as the periodic pass.
    /// </summary>
    public TimeSpan StartupQuietPeriod => Storage.Backend == StorageBackend.Sqlite ? TimeSpan.Zero : PeriodicReconciliation.QuietPeriod;

    public static HostTopology From(IConfiguration configuration, string dataDirectory)
    {
        var role = Parse(configuration[RoleSetting], HostRole.Serve, RoleSetting, "serve, api or worker");
        var backend = Parse(configuration[StorageSetting], StorageBackend.Sqlite, StorageSetting, "Sqlite or PostgreSql");
        var connectionString = configuration.GetConnectionString(ConnectionStringName);
        if (backend == StorageBackend.PostgreSql && string.IsNullOrWhiteSpace(connectionString))
        {
            throw new HostRefusedToStartException(
                $"{StorageSetting}=PostgreSql needs ConnectionStrings:{ConnectionStringName}, e.g. \"Host=db.example;Database=alexnet;Username=alexnet;Password=...\".");
        }

        if (role != HostRole.Serve && backend == StorageBackend.Sqlite)
        {
            throw new HostRefusedToStartException(
                $"{RoleSetting}={role.ToString().ToLowerInvariant()} shares jobs and results with other processes, which SQLite files do not: set {StorageSetting}=PostgreSql.");
        }

        // Checkpoints, features and preprocessed datasets: a folder every worker sees (e.g. a network mount).
        string? artifactDirectory = configuration["AlexNet:ArtifactDirectory"] is { Length: > 0 } artifacts ? Path.GetFullPath(artifacts, dataDirectory) : null;
        return new HostTopology(role, new StorageOptions(dataDirectory, backend, connectionString, artifactDirectory), ConfiguredQueues(configuration));
    }

    // AlexNet:Queues as a list (AlexNet:Queues:0=train-cpu) or one comma-separated string.
    private static IReadOnlyList<string> ConfiguredQueues(IConfiguration configuration) =>
        configuration.GetList("AlexNet:Queues", ',') is { Length: > 0 } queues ? queues : WorkQueues.All;

    private static T Parse<T>(string? value, T fallback, string setting, string allowed)
        where T : struct, Enum =>
        string.IsNullOrWhiteSpace(value) ? fallback
        : Enum.TryParse<T>(value, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !int.TryParse(value, out _) ? parsed
        : throw new HostRefusedToStartException($"{setting} must be {allowed}, not '{value}'.");
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
