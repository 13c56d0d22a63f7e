using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Serialization;
using AlexNet.Experiments.Domain.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using AlexNet.Experiments.Tests.Shared;

namespace AlexNet.Experiments.Infrastructure.Storage.Tests;

/// <summary>
/// A real data folder in the temp directory with the storage services built on it, as the Host would: on SQLite, or on a
/// database of its own on the tests' PostgreSQL server.
/// </summary>
internal sealed class TestStorage : IAsyncDisposable
{
    private static readonly Lazy<Task<string>> MigratedTemplate = new(CreateMigratedTemplateAsync);

    private TestStorage(string dataDirectory, StorageBackend backend, string? connectionString)
    {
        DataDirectory = dataDirectory;
        Backend = backend;
        ConnectionString = connectionString;
        Provider = Build();
    }

    public string DataDirectory { get; }

    public StorageBackend Backend { get; }

    /// <summary>PostgreSQL's; null on SQLite.</summary>
    public string? ConnectionString { get; }
    public ServiceProvider Provider { get; private set; }
    public ResultsStore Store => Provider.GetRequiredService<ResultsStore>();
    public IArtifactStore Artifacts => Provider.GetRequiredService<IArtifactStore>();
    public StorageOptions Options => Provider.GetRequiredService<StorageOptions>();

    public static async Task<TestStorage> CreateAsync(bool migrate = true, string? dataDirectory = null, StorageBackend backend = StorageBackend.Sqlite)
    {
        string? connectionString = null;
        if (backend == StorageBackend.PostgreSql)
        {
            // A copy of a migrated template database costs a fraction of migrating each one.
            var server = await PostgresServer.GetAsync();
            connectionString = await server.CreateDatabaseAsync(migrate ? await MigratedTemplate.Value : null);
        }

        var storage = new TestStorage(dataDirectory ?? Path.Combine(Path.GetTempPath(), "alexnet-storage-tests", Guid.NewGuid().ToString("N")), backend, connectionString);
        if (migrate)
        {
            await storage.Provider.MigrateResultsStoreAsync(CancellationToken.None);
        }

        return storage;
    }

    public ResultsDbContext CreateContext() => Provider.GetRequiredService<IDbContextFactory<ResultsDbContext>>().CreateDbContext();

    /// <summary>Drops every service and pooled connection and starts again on the same folder, like a restarted Host.</summary>
    public async Task ReopenAsync()
    {
        await CloseAsync();
        Provider = Build();
        await Provider.MigrateResultsStoreAsync(CancellationToken.None);
    }

    /// <summary>A plain connection outside EF, to look at the file as any SQLite client would.</summary>
    public SqliteConnection OpenRawConnection()
    {
        var connection = new SqliteConnection($"Data Source={Path.Combine(DataDirectory, StorageOptions.ResultsDatabaseFileName)};Pooling=False");
        connection.Open();
        return connection;
    }

    /// <summary>A plain connection outside EF on either backend; quote identifiers ("Runs") so the SQL reads the same on both.</summary>
    public DbConnection OpenAnyRawConnection()
    {
        if (ConnectionString is null)
        {
            return OpenRawConnection();
        }

        var connection = new NpgsqlConnection(ConnectionString);
        connection.Open();
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        await CloseAsync();
        if (ConnectionString is not null)
        {
            await (await PostgresServer.GetAsync()).DropDatabaseAsync(ConnectionString);
        }

        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    private ServiceProvider Build() =>
        new ServiceCollection().AddStorage(new StorageOptions(DataDirectory, Backend, ConnectionString)).BuildServiceProvider();

    private async Task CloseAsync()
    {
        var connectionString = Options.ResultsConnectionString;
        await Provider.DisposeAsync();
        if (Backend == StorageBackend.PostgreSql)
        {
            using var connection = new NpgsqlConnection(connectionString);
            NpgsqlConnection.ClearPool(connection);
        }
        else
        {
            using var connection = new SqliteConnection(connectionString);
            SqliteConnection.ClearPool(connection);
        }
    }

    private static async Task<string> CreateMigratedTemplateAsync()
    {
        var server = await PostgresServer.GetAsync();
        var connectionString = await server.CreateDatabaseAsync();
        await using (var provider = new ServiceCollection()
            .AddStorage(new StorageOptions(Path.GetTempPath(), StorageBackend.PostgreSql, connectionString)).BuildServiceProvider())
        {
            await provider.MigrateResultsStoreAsync(CancellationToken.None);
        }

        using (var connection = new NpgsqlConnection(connectionString))
        {
            NpgsqlConnection.ClearPool(connection); // a template must have no sessions when it is copied
        }

        // A server from ALEXNET_TEST_POSTGRES outlives the tests; a throwaway one goes anyway.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.DropDatabaseAsync(connectionString).GetAwaiter().GetResult();
        return new NpgsqlConnectionStringBuilder(connectionString).Database!;
    }
}

/// <summary>
/// Gives each test its own migrated database, a file on SQLite or a database on PostgreSQL. Each suite is abstract with one
/// nested class per backend, so every test runs on both.
/// </summary>
public abstract class StorageTest : IAsyncLifetime
{
    private TestStorage? storage;

    protected abstract StorageBackend Backend { get; }

    internal TestStorage Storage => storage ?? throw new InvalidOperationException("Not initialised.");
    internal ResultsStore Store => Storage.Store;
    protected static CancellationToken Ct => CancellationToken.None;

    public async Task InitializeAsync() => storage = await TestStorage.CreateAsync(backend: Backend);

    public async Task DisposeAsync()
    {
        if (storage is not null)
        {
            await storage.DisposeAsync();
        }
    }
}

internal static class Compare
{
    private static readonly JsonSerializerOptions Json = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Field-by-field equality through JSON, so lists and nested arrays compare by content.</summary>
    public static void ShouldHaveSameFields<T>(this T? actual, T expected)
        where T : class
    {
        actual.ShouldNotBeNull();
        JsonSerializer.Serialize(actual, Json).ShouldBe(JsonSerializer.Serialize(expected, Json));
    }

    public static void ShouldHaveSameFields<T>(this IReadOnlyList<T> actual, IEnumerable<T> expected) =>
        JsonSerializer.Serialize(actual, Json).ShouldBe(JsonSerializer.Serialize(expected.ToList(), Json));
}

internal static class RunWrites
{
    /// <summary>Moves the stored run to <paramref name="run"/> through the store's only run-state write, the compare-and-set.</summary>
    public static async Task MoveAsync(this ResultsStore store, AlexNet.Experiments.Domain.Experiments.Run run)
    {
        var stored = await store.GetRunAsync(run.Id, CancellationToken.None) ?? throw new InvalidOperationException($"Run {run.Id} does not exist.");
        (await store.TryAdvanceRunAsync(stored, run, CancellationToken.None)).ShouldBeTrue();
    }
}
