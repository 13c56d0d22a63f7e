using System.Security.Cryptography;
using AlexNet.Experiments.Domain.Training;

namespace AlexNet.Experiments.Infrastructure.Storage.Tests;

public sealed class FileArtifactStoreTests : IDisposable
{
    private readonly string dataDirectory = Path.Combine(Path.GetTempPath(), "alexnet-storage-tests", Guid.NewGuid().ToString("N"));
    private readonly FileArtifactStore store;

    public FileArtifactStoreTests() => store = new FileArtifactStore(dataDirectory);

    [Fact]
    public void Run_directories_live_under_runs_and_are_created()
    {
        var runId = Guid.NewGuid();

        var directory = store.GetRunDirectory(runId);

        directory.ShouldBe(Path.Combine(dataDirectory, "runs", runId.ToString()));
        Directory.Exists(directory).ShouldBeTrue();
        store.GetRunDirectory(runId).ShouldBe(directory);
    }

    [Fact]
    public void Deleting_an_artifact_removes_its_sidecars_and_nothing_else()
    {
        var runId = Guid.NewGuid();
        var folder = store.GetRunDirectory(runId);
        string[] files = ["epoch-001.ckpt", "epoch-001.metrics.json", "epoch-002.ckpt", "epoch-002.metrics.json", "epoch-0011.ckpt"];
        foreach (var file in files)
        {
            File.WriteAllText(Path.Combine(folder, file), file);
        }

        store.Delete(new Artifact(runId, Artifact.CheckpointKind, Path.Combine(folder, "epoch-001.ckpt"), "", 0, DateTimeOffset.UnixEpoch));

        Directory.GetFiles(folder).Select(Path.GetFileName).ShouldBe(["epoch-0011.ckpt", "epoch-002.ckpt", "epoch-002.metrics.json"], ignoreOrder: true);
    }

    [Fact]
    public void Dataset_store_root_is_the_datasets_folder()
    {
        store.DatasetStoreRoot.ShouldBe(Path.Combine(dataDirectory, "datasets"));
        Directory.Exists(store.DatasetStoreRoot).ShouldBeTrue();
    }

    [Fact]
    public async Task Describe_hashes_the_file_with_sha256_and_measures_it()
    {
        var runId = Guid.NewGuid();
        var path = Path.Combine(store.GetRunDirectory(runId), "epoch-0001.ckpt");
        var content = new byte[200_003];
        new Random(5).NextBytes(content);
        await File.WriteAllBytesAsync(path, content);

        var artifact = await store.DescribeAsync(runId, "checkpoint", path, CancellationToken.None);

        artifact.RunId.ShouldBe(runId);
        artifact.Kind.ShouldBe("checkpoint");
        artifact.Path.ShouldBe(path);
        artifact.Sha256.ShouldBe(Convert.ToHexString(SHA256.HashData(content)).ToLowerInvariant());
        artifact.Sha256.ShouldMatch("^[0-9a-f]{64}$");
        artifact.Bytes.ShouldBe(content.Length);
        artifact.CreatedAt.ShouldBe(new DateTimeOffset(File.GetLastWriteTimeUtc(path)), TimeSpan.FromMilliseconds(1));
        (artifact.CreatedAt.Ticks % TimeSpan.TicksPerMillisecond).ShouldBe(0);
    }

    [Fact]
    public async Task Describe_of_an_empty_file_gives_the_empty_hash()
    {
        var path = Path.Combine(dataDirectory, "empty.bin");
        Directory.CreateDirectory(dataDirectory);
        await File.WriteAllBytesAsync(path, []);

        var artifact = await store.DescribeAsync(Guid.NewGuid(), "mean-image", "empty.bin", CancellationToken.None); // relative to the data folder

        artifact.Path.ShouldBe(path);
        artifact.Bytes.ShouldBe(0);
        artifact.Sha256.ShouldBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    [Fact]
    public async Task Describe_of_a_missing_file_throws()
    {
        Directory.CreateDirectory(dataDirectory);
        await Should.ThrowAsync<FileNotFoundException>(() =>
            store.DescribeAsync(Guid.NewGuid(), "checkpoint", Path.Combine(dataDirectory, "missing.ckpt"), CancellationToken.None));
    }

    public void Dispose()
    {
        if (Directory.Exists(dataDirectory))
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }
}
