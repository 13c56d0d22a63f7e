using Microsoft.Data.Sqlite;

namespace AlexNet.Experiments.Infrastructure.Storage;

/// <summary>Where the results database lives.</summary>
public enum StorageBackend
{
    /// <summary>An embedded file, {data directory}/results.db: one machine, nothing to install.</summary>
    Sqlite,

    /// <summary>A PostgreSQL server that several hosts share.</summary>
    PostgreSql,
}

/// <summary>Where the storage adapter keeps its data: the results database and the artifact folders under the data folder.</summary>
public sealed record StorageOptions
{
    public const string ResultsDatabaseFileName = "results.db";

    private readonly string? postgreSqlConnectionString;

    /// <param name="artifactDirectory">Default: the data folder.</param>
    /// <param name="postgreSqlConnectionString">An Npgsql connection string; required for, and only for, <see cref="StorageBackend.PostgreSql"/>.</param>
    public StorageOptions(string dataDirectory, StorageBackend backend = StorageBackend.Sqlite, string? postgreSqlConnectionString = null, string? artifactDirectory = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        if (!Enum.IsDefined(backend))
        {
            throw new ArgumentOutOfRangeException(nameof(backend), backend, null);
        }

        if (backend == StorageBackend.PostgreSql && string.IsNullOrWhiteSpace(postgreSqlConnectionString))
        {
            throw new ArgumentException("PostgreSQL storage needs a connection string (ConnectionStrings:AlexNet).", nameof(postgreSqlConnectionString));
        }

        DataDirectory = Path.GetFullPath(dataDirectory);
        Backend = backend;
        this.postgreSqlConnectionString = backend == StorageBackend.PostgreSql ? postgreSqlConnectionString : null;
        ArtifactDirectory = string.IsNullOrWhiteSpace(artifactDirectory) ? DataDirectory : Path.GetFullPath(artifactDirectory);
    }

    /// <summary>Absolute path of the data folder.</summary>
    public string DataDirectory { get; }

    /// <summary>Absolute path of the folder holding run files and preprocessed datasets, shared by every worker; default: the data folder.</summary>
    public string ArtifactDirectory { get; }

    public StorageBackend Backend { get; }

    /// <summary>The SQLite file; unused on PostgreSQL.</summary>
    public string ResultsDatabasePath => Path.Combine(DataDirectory, ResultsDatabaseFileName);

    public string ResultsConnectionString => postgreSqlConnectionString ?? BuildConnectionString(ResultsDatabasePath);

    internal static string BuildConnectionString(string databasePath) => new SqliteConnectionStringBuilder
    {
        DataSource = databasePath,
        // Microsoft.Data.Sqlite retries a busy database until this many seconds pass; the interceptor adds busy_timeout too.
        DefaultTimeout = (int)SqlitePragmaInterceptor.BusyTimeout.TotalSeconds,
        Pooling = true,
    }.ToString();
}
