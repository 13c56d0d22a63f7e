using Microsoft.Data.Sqlite;

namespace AlexNet.Experiments.Infrastructure.Storage;

/// <summary>Where the storage adapter keeps its files: the SQLite results database and the artifact folders.</summary>
public sealed record StorageOptions
{
    public const string ResultsDatabaseFileName = "results.db";

    public StorageOptions(string dataDirectory, string? artifactDirectory = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        DataDirectory = Path.GetFullPath(dataDirectory);
        ArtifactDirectory = string.IsNullOrWhiteSpace(artifactDirectory) ? DataDirectory : Path.GetFullPath(artifactDirectory);
    }

    /// <summary>Absolute path of the data folder.</summary>
    public string DataDirectory { get; }

    /// <summary>Absolute path of the folder holding run files and preprocessed datasets, shared by every worker; default: the data folder.</summary>
    public string ArtifactDirectory { get; }

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
