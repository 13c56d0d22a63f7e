using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Snapshooter.Xunit;

namespace AlexNet.Experiments.Infrastructure.Storage.Tests;

public sealed class MigrationTests
{
    private static readonly string[] ExpectedTables =
    [
        "Artifacts", "DatasetVersions", "Datasets", "EpochMetrics", "EvaluationResults", "Experiments", "HyperparameterRecords", "RunTags", "Runs",
    ];

    [Fact]
    public async Task Migrating_an_empty_folder_creates_the_database_with_every_table()
    {
        var root = Path.Combine(Path.GetTempPath(), "alexnet-storage-tests", Guid.NewGuid().ToString("N"));
        var folder = Path.Combine(root, "nested", "data");
        try
        {
            await using var storage = await TestStorage.CreateAsync(dataDirectory: folder);

            File.Exists(Path.Combine(folder, "results.db")).ShouldBeTrue();
            using var connection = storage.OpenRawConnection();
            var tables = Query(connection, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name");
            tables.ShouldBe([.. ExpectedTables, "__EFMigrationsHistory", "__EFMigrationsLock"], ignoreOrder: true);
            Query(connection, "SELECT MigrationId FROM __EFMigrationsHistory ORDER BY MigrationId").Select(id => id[15..]).ShouldBe(["Initial", "ResultsApi"]);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task The_schema_matches_the_snapshot()
    {
        await using var storage = await TestStorage.CreateAsync();
        using var connection = storage.OpenRawConnection();
        var schema = Query(connection, "SELECT type || ' ' || name || ': ' || sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE '__EF%' ORDER BY type, name");
        Snapshot.Match(schema);
    }

    [Fact]
    public async Task The_model_has_no_changes_missing_from_the_migrations()
    {
        await using var storage = await TestStorage.CreateAsync();
        await using var db = storage.CreateContext();
        db.Database.HasPendingModelChanges().ShouldBeFalse();
        (await db.Database.GetPendingMigrationsAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task Migrating_again_is_harmless()
    {
        await using var storage = await TestStorage.CreateAsync();
        await storage.Provider.MigrateResultsStoreAsync(CancellationToken.None);
        await storage.ReopenAsync();
        (await storage.Store.ListDatasetsAsync(CancellationToken.None)).ShouldBeEmpty();
    }

    [Fact]
    public async Task The_database_is_in_wal_mode_with_a_busy_timeout()
    {
        await using var storage = await TestStorage.CreateAsync();
        using var raw = storage.OpenRawConnection();
        Query(raw, "PRAGMA journal_mode").ShouldBe(["wal"]);

        await using var db = storage.CreateContext();
        await db.Database.OpenConnectionAsync();
        var connection = db.Database.GetDbConnection();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA busy_timeout";
        Convert.ToInt32(await command.ExecuteScalarAsync()).ShouldBe(30_000);
    }

    [Fact]
    public async Task Deleting_a_referenced_row_is_restricted()
    {
        await using var storage = await TestStorage.CreateAsync();
        var seeded = await Samples.SeedAsync(storage.Store);
        await storage.Store.AddEpochMetricsAsync(Samples.Metrics(seeded.Run.Id, 1), CancellationToken.None);
        using var connection = storage.OpenRawConnection();
        Execute(connection, "PRAGMA foreign_keys = ON");

        Should.Throw<SqliteException>(() => Execute(connection, "DELETE FROM Datasets")).SqliteErrorCode.ShouldBe(19); // SQLITE_CONSTRAINT
        Should.Throw<SqliteException>(() => Execute(connection, "DELETE FROM Experiments"));
        Should.Throw<SqliteException>(() => Execute(connection, "DELETE FROM Runs"));
    }

    private static List<string> Query(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
