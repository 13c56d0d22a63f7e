namespace AlexNet.Experiments.Infrastructure.Storage;

/// <summary>
/// The results store keeps artifact paths (checkpoints, features, preprocessed dataset versions) relative to the shared
/// artifact directory, so the directory can be moved or mounted elsewhere (a network mount seen by every worker). The
/// application sees absolute paths. A path outside the directory is kept absolute, and an absolute path read back is used as
/// it is.
/// </summary>
public sealed class ArtifactPaths(string artifactDirectory)
{
    /// <summary>Absolute path of the artifact directory.</summary>
    public string Root { get; } = Path.GetFullPath(artifactDirectory);

    public string ToStored(string path)
    {
        var full = Path.GetFullPath(path, Root);
        var relative = Path.GetRelativePath(Root, full);
        return relative == ".." || relative.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal) || Path.IsPathRooted(relative)
            ? full
            : relative;
    }

    public string Resolve(string stored) => Path.GetFullPath(stored, Root);
}
