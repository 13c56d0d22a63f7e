using System.Security.Cryptography;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Storage;
using AlexNet.Experiments.Domain.Training;
using AlexNet.Experiments.Infrastructure.Storage.Datasets;

namespace AlexNet.Experiments.Infrastructure.Storage;

/// <summary>Run files under {artifacts}/runs/{runId}/, preprocessed dataset versions under {artifacts}/datasets/.</summary>
public sealed class FileArtifactStore(string artifactDirectory) : IArtifactStore
{
    public const string RunsFolder = "runs", DatasetsFolder = "datasets";

    /// <summary>Absolute path of the artifact folder (by default the data folder).</summary>
    public string DataDirectory { get; } = Path.GetFullPath(artifactDirectory);

    public string DatasetStoreRoot => Directory.CreateDirectory(Path.Combine(DataDirectory, DatasetsFolder)).FullName;

    public string GetRunDirectory(Guid runId) =>
        Directory.CreateDirectory(Path.Combine(DataDirectory, RunsFolder, runId.ToString("D"))).FullName;

    public void Delete(Artifact artifact)
    {
        var path = Path.GetFullPath(artifact.Path, DataDirectory);
        File.Delete(path);
        if (Path.GetDirectoryName(path) is { } folder && Directory.Exists(folder))
        {
            foreach (var sidecar in Directory.EnumerateFiles(folder, Path.GetFileNameWithoutExtension(path) + ".*"))
            {
                File.Delete(sidecar);
            }
        }
    }

    public void DeleteRunFiles(Guid runId)
    {
        var folder = Path.Combine(DataDirectory, RunsFolder, runId.ToString("D"));
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    public void DeleteDatasetVersionFiles(string contentHash)
    {
        foreach (var folder in ShardLayout.FoldersOf(Path.Combine(DataDirectory, DatasetsFolder), contentHash).Where(Directory.Exists))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    public long? MeasureDatasetVersion(DatasetVersion version)
    {
        var folder = new DirectoryInfo(Path.GetFullPath(version.StorePath, DataDirectory));
        return folder.Exists ? folder.EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length) : null;
    }

    /// <summary>
    /// Hashes the file. The artifact's path is absolute (a relative one is taken from the artifact folder), so it can be opened as it is;
    /// its time is the file's last write, to the millisecond the results store keeps.
    /// </summary>
    public async Task<Artifact> DescribeAsync(Guid runId, string kind, string path, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        var fullPath = Path.GetFullPath(path, DataDirectory);
        await using var stream = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16, useAsync: true);
        var hash = await SHA256.HashDataAsync(stream, cancellationToken);
        var writtenAt = new DateTimeOffset(File.GetLastWriteTimeUtc(fullPath));
        return new Artifact(
            runId,
            kind,
            fullPath,
            Convert.ToHexStringLower(hash),
            stream.Position, // the bytes actually hashed
            DateTimeOffset.FromUnixTimeMilliseconds(writtenAt.ToUnixTimeMilliseconds()));
    }
}
