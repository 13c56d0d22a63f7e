using AlexNet.Experiments.Infrastructure.Storage;
using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.Storage.SQLite;

namespace AlexNet.Experiments.Host.Jobs;

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
