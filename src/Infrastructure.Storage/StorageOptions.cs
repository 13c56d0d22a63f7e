using Microsoft.Data.Sqlite;

namespace AlexNet.Experiments.Infrastructure.Storage;

/// <summary>Where the storage adapter keeps its files: the SQLite results database and the artifact folders.</summary>
public sealed record StorageOptions
{
    public const string ResultsDatabaseFileName = "results.db";

    public StorageOptions(string dataDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        DataDirectory = Path.GetFullPath(dataDirectory);
    }

    /// <summary>Absolute path of the data folder.</summary>
    public string DataDirectory { get; }

    public string ResultsDatabasePath => Path.Combine(DataDirectory, ResultsDatabaseFileName);

    public string ResultsConnectionString => BuildConnectionString(ResultsDatabasePath);

    internal static string BuildConnectionString(string databasePath) => new SqliteConnectionStringBuilder
    {
        DataSource = databasePath,
        // Microsoft.Data.Sqlite retries a busy database until this many seconds pass; the interceptor adds busy_timeout too.
        DefaultTimeout = (int)SqlitePragmaInterceptor.BusyTimeout.TotalSeconds,
        Pooling = true,
    }.ToString();
}
