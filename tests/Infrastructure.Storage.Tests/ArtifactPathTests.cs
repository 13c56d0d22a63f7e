using AlexNet.Experiments.Domain.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace AlexNet.Experiments.Infrastructure.Storage.Tests;

/// <summary>Artifact paths are stored relative to the artifact directory, so the directory can move or be mounted elsewhere.</summary>
public sealed class ArtifactPathTests : IAsyncDisposable
{
    private static CancellationToken Ct => CancellationToken.None;

    private readonly string root = Path.Combine(Path.GetTempPath(), "alexnet-storage-tests", Guid.NewGuid().ToString("N"));

    private string DataDirectory => Path.Combine(root, "data");

    public async ValueTask DisposeAsync()
    {
        await Task.Yield();
        SqliteConnection.ClearAllPools();
        Directory.Delete(root, recursive: true);
    }

    private async Task<ServiceProvider> OpenAsync(string artifactDirectory)
    {
        var provider = new ServiceCollection().AddStorage(new StorageOptions(DataDirectory, artifactDirectory: artifactDirectory)).BuildServiceProvider();
        await provider.MigrateResultsStoreAsync(Ct);
        return provider;
    }

    private List<string> Column(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(DataDirectory, StorageOptions.ResultsDatabaseFileName)};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var values = new List<string>();
        while (reader.Read())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }

    [Fact]
    public async Task Paths_under_the_artifact_directory_are_stored_relative_and_resolve_against_wherever_it_is_configured()
    {
        var first = Path.Combine(root, "artifacts-a");
        Samples.Seeded seeded;
        var outside = Path.Combine(root, "elsewhere", "epoch-0001.ckpt");
        await using (var provider = await OpenAsync(first))
        {
            var store = provider.GetRequiredService<ResultsStore>();
            var artifacts = provider.GetRequiredService<IArtifactStore>();
            artifacts.DatasetStoreRoot.ShouldBe(Path.Combine(first, "datasets"));
            seeded = await Samples.SeedAsync(store);
            await store.AddDatasetVersionAsync(Samples.Version(seeded.Dataset.Id, "feed") with { StorePath = Path.Combine(artifacts.DatasetStoreRoot, "feed") }, Ct);
            await store.AddArtifactAsync(Samples.Artifact(seeded.Run.Id, Path.Combine(artifacts.GetRunDirectory(seeded.Run.Id), "epoch-0002.ckpt")), Ct);
            await store.AddArtifactAsync(Samples.Artifact(seeded.Run.Id, outside), Ct);
            (await store.ListArtifactsAsync(seeded.Run.Id, Ct)).Select(a => a.Path)
                .ShouldBe([Path.Combine(first, "runs", seeded.Run.Id.ToString(), "epoch-0002.ckpt"), outside], ignoreOrder: true);
        }

        Column("SELECT Path FROM Artifacts").ShouldBe([Path.Combine("runs", seeded.Run.Id.ToString(), "epoch-0002.ckpt"), outside], ignoreOrder: true);
        Column("SELECT StorePath FROM DatasetVersions WHERE ContentHash = 'feed'").ShouldBe([Path.Combine("datasets", "feed")]);

        var moved = Path.Combine(root, "mnt", "artifacts-b");
        await using (var provider = await OpenAsync(moved))
        {
            var store = provider.GetRequiredService<ResultsStore>();
            (await store.ListArtifactsAsync(seeded.Run.Id, Ct)).Select(a => a.Path)
                .ShouldBe([Path.Combine(moved, "runs", seeded.Run.Id.ToString(), "epoch-0002.ckpt"), outside], ignoreOrder: true);
            (await store.GetDatasetVersionAsync("feed", Ct))!.StorePath.ShouldBe(Path.Combine(moved, "datasets", "feed"));
            await store.RemoveArtifactAsync(seeded.Run.Id, Path.Combine(moved, "runs", seeded.Run.Id.ToString(), "epoch-0002.ckpt"), Ct);
            (await store.ListArtifactsAsync(seeded.Run.Id, Ct)).Select(a => a.Path).ShouldBe([outside]);
        }
    }

    [Fact]
    public async Task Absolute_paths_written_before_under_the_artifact_directory_become_relative_at_start_up_and_others_stay()
    {
        var artifactDirectory = Path.Combine(root, "artifacts");
        Samples.Seeded seeded;
        var inside = Path.Combine(artifactDirectory, "runs", "r", "epoch-0001.ckpt");
        var sibling = artifactDirectory + "-old/runs/r/epoch-0001.ckpt"; // shares the prefix, not the folder
        await using (var provider = await OpenAsync(artifactDirectory))
        {
            seeded = await Samples.SeedAsync(provider.GetRequiredService<ResultsStore>());
        }

        using (var connection = new SqliteConnection($"Data Source={Path.Combine(DataDirectory, StorageOptions.ResultsDatabaseFileName)};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"""
                INSERT INTO Artifacts (RunId, Path, Kind, Sha256, Bytes, CreatedAt)
                SELECT Id, '{inside}', 'checkpoint', 'aa', 1, 0 FROM Runs;
                INSERT INTO Artifacts (RunId, Path, Kind, Sha256, Bytes, CreatedAt)
                SELECT Id, '{sibling}', 'checkpoint', 'aa', 1, 0 FROM Runs;
                UPDATE DatasetVersions SET StorePath = '{artifactDirectory}/datasets/abc';
                """;
            command.ExecuteNonQuery();
        }

        await using (var provider = await OpenAsync(artifactDirectory))
        {
            Column("SELECT Path FROM Artifacts").ShouldBe([Path.Combine("runs", "r", "epoch-0001.ckpt"), sibling], ignoreOrder: true);
            Column("SELECT StorePath FROM DatasetVersions").ShouldBe([Path.Combine("datasets", "abc")]);
            (await provider.GetRequiredService<ResultsStore>().ListArtifactsAsync(seeded.Run.Id, Ct)).Select(a => a.Path).ShouldBe([inside, sibling], ignoreOrder: true);
        }
    }
}
