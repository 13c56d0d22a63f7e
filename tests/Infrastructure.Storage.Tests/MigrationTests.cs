using AlexNet.Experiments.Domain.Datasets;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Snapshooter.Xunit;

namespace AlexNet.Experiments.Infrastructure.Storage.Tests;

public sealed class MigrationTests
{
    private static readonly string[] ExpectedTables =
    [
        "Artifacts", "DatasetVersions", "Datasets", "EpochMetrics", "EvaluationResults", "Experiments", "HyperparameterRecords", "PreprocessShards", "PreprocessingRuns", "RunTags", "Runs", "StepMetrics", "Studies", "StudyRuns",
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
            Query(connection, "SELECT MigrationId FROM __EFMigrationsHistory ORDER BY MigrationId").Select(id => id[(id.IndexOf('_') + 1)..]).ShouldBe(["Initial", "Datasets", "ResultsApi", "RunState", "Studies", "PreprocessShards", "StepMetrics"]);
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
    public async Task Migrating_a_database_from_before_lower_case_ids_lowers_every_id_and_keeps_the_links()
    {
        await using var storage = await TestStorage.CreateAsync(migrate: false);
        Directory.CreateDirectory(storage.DataDirectory);
        await using (var db = storage.CreateContext())
        {
            await db.GetService<Microsoft.EntityFrameworkCore.Migrations.IMigrator>().MigrateAsync("Initial");
        }

        // As EF stored Guids before: upper case.
        var (dataset, experiment, run) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        using (var connection = storage.OpenRawConnection())
        {
            Execute(connection, $"""
                INSERT INTO Datasets VALUES ('{dataset.ToString().ToUpperInvariant()}', 'd', '/src', 0);
                INSERT INTO Experiments VALUES ('{experiment.ToString().ToUpperInvariant()}', 'e', '{dataset.ToString().ToUpperInvariant()}', 'quickstart', 0);
                INSERT INTO Runs VALUES ('{run.ToString().ToUpperInvariant()}', '{experiment.ToString().ToUpperInvariant()}', 'Succeeded', '{"{}"}', NULL, 1, NULL, NULL, 0, 0);
                INSERT INTO EpochMetrics VALUES ('{run.ToString().ToUpperInvariant()}', 1, 1, 1, 1, 1, 0.5, 1, 0.01, 10, 0);
                """);
        }

        await storage.ReopenAsync();

        using var check = storage.OpenRawConnection();
        Query(check, "SELECT Id || ' ' || ExperimentId FROM Runs").ShouldBe([$"{run} {experiment}"]);
        Query(check, "SELECT RunId FROM EpochMetrics").ShouldBe([run.ToString()]);
        Query(check, "SELECT DatasetId FROM Experiments").ShouldBe([dataset.ToString()]);
        Query(check, "PRAGMA foreign_key_check").ShouldBeEmpty();
        (await storage.Store.GetEpochMetricsAsync(run, CancellationToken.None)).ShouldHaveSingleItem().ValidationTop1Error.ShouldBe(0.5);
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

    [Fact]
    public async Task Datasets_stored_before_formats_existed_read_as_image_folders_with_no_skipped_files()
    {
        await using var storage = await TestStorage.CreateAsync(migrate: false);
        Directory.CreateDirectory(storage.DataDirectory);
        await using (var db = storage.CreateContext())
        {
            await db.GetService<IMigrator>().MigrateAsync(db.Database.GetMigrations().First());
        }

        var id = Guid.NewGuid();
        using (var raw = storage.OpenRawConnection())
        {
            using var insert = raw.CreateCommand();
            insert.CommandText = $"""
                INSERT INTO Datasets (Id, Name, SourcePath, CreatedAt) VALUES ('{id.ToString().ToUpperInvariant()}', 'old', '/srv/old', 0);
                INSERT INTO DatasetVersions (ContentHash, DatasetId, ImageSize, ClassNames, TrainCount, ValidationCount, SkippedCount,
                    ColourPcaEigenvalues, ColourPcaEigenvectors, StorePath, CreatedAt)
                VALUES ('abc', '{id.ToString().ToUpperInvariant()}', 32, '["a"]', 3, 1, 0, '[1,0,0]', '[1,0,0,0,1,0,0,0,1]', '/srv/store/abc', 0);
                """;
            insert.ExecuteNonQuery();
        }

        await storage.ReopenAsync();

        var dataset = (await storage.Store.GetDatasetAsync(id, CancellationToken.None)).ShouldNotBeNull();
        dataset.Format.ShouldBe(DatasetFormat.ImageFolder);
        (await storage.Store.FindDatasetAsync("/srv/old", DatasetFormat.ImageFolder, CancellationToken.None)).ShouldBe(dataset);
        var version = (await storage.Store.GetDatasetVersionAsync("abc", CancellationToken.None)).ShouldNotBeNull();
        version.Skipped.ShouldBeEmpty();
        version.HoldOut.ShouldBeNull();
    }

    [Fact]
    public async Task Migrating_an_empty_postgresql_database_creates_every_table_and_the_json_functions_and_again_is_harmless()
    {
        await using var storage = await TestStorage.CreateAsync(migrate: false, backend: StorageBackend.PostgreSql);
        await storage.Provider.MigrateResultsStoreAsync(CancellationToken.None);
        await storage.ReopenAsync();

        await using (var connection = storage.OpenAnyRawConnection())
        {
            Query(connection, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
                .ShouldBe([.. ExpectedTables, "__EFMigrationsHistory"], ignoreOrder: true);
            Query(connection, "SELECT \"MigrationId\" FROM \"__EFMigrationsHistory\"").Select(id => id[(id.IndexOf('_') + 1)..]).ShouldBe(["PostgreSql", "PreprocessShards", "StepMetrics"]);
            Query(connection, """SELECT CAST(alexnet_json_number('{"a":{"b":0.5,"c":true,"d":"x"}}', p) AS text) FROM unnest(ARRAY['$.a.b', '$.a.c', '$.a.d', '$.z']) AS p""")
                .ShouldBe(["0.5", "1", "", ""]);
            Query(connection, """SELECT alexnet_json_text('{"a":{"b":0.5,"d":"x"}}', p) FROM unnest(ARRAY['$.a.d', '$.a.b']) AS p""").ShouldBe(["x", ""]);
        }

        await using var db = storage.CreateContext();
        db.ShouldBeOfType<PostgresResultsDbContext>();
        db.Database.HasPendingModelChanges().ShouldBeFalse("the PostgreSQL migrations must follow every model change too");
        (await db.Database.GetPendingMigrationsAsync()).ShouldBeEmpty();
    }

    private static List<string> Query(System.Data.Common.DbConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            rows.Add(reader.IsDBNull(0) ? "" : reader.GetString(0));
        }

        return rows;
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
