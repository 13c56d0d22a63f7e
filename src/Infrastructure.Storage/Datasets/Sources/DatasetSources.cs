using AlexNet.Experiments.Domain.Datasets;

namespace AlexNet.Experiments.Infrastructure.Storage.Datasets.Sources;

/// <param name="DataDirectory">Relative source paths (and relative roots) resolve against this folder.</param>
/// <param name="Roots">The only folders datasets may come from (AlexNet:DatasetRoots).</param>
public sealed record DatasetSourceOptions(string DataDirectory, IReadOnlyList<string> Roots);

/// <summary>
/// Admits a source only under a configured root, judged on its canonical path (symlinks resolved). A missing folder
/// and a forbidden one get the same answer, so the API cannot be used to probe which paths exist.
/// </summary>
public sealed class DatasetSources(DatasetSourceOptions options) : IDatasetSources
{
    public Task<DatasetSourceCheck> CheckAsync(string requestedPath, DatasetFormat format, CancellationToken cancellationToken) =>
        Task.Run(() => Check(requestedPath, format, cancellationToken), cancellationToken);

    public Task<DatasetSize> MeasureAsync(Dataset dataset, CancellationToken cancellationToken) =>
        Task.Run(() =>
        {
            try
            {
                if (UntrustedFiles.RealPath(dataset.SourcePath) is not { } root)
                {
                    return new DatasetSize(0, 0);
                }

                var records = DatasetFormatReaders.For(dataset.Format).Read(root, new UntrustedFileLimits(), cancellationToken);
                return new DatasetSize(records.ClassNames.Count, records.Train.Count + (records.Validation?.Count ?? 0));
            }
            catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                // A source broken since registration holds nothing to estimate; preprocessing then fails the run with the reason.
                return new DatasetSize(0, 0);
            }
        }, cancellationToken);

    public Task<IReadOnlyList<SourceFolder>> ListFoldersAsync(CancellationToken cancellationToken) =>
        Task.Run<IReadOnlyList<SourceFolder>>(() =>
        {
            var folders = new List<SourceFolder>();
            foreach (string root in options.Roots.Select(Resolve).OfType<string>().Where(Directory.Exists).Distinct())
            {
                foreach (string child in Children(root))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (UntrustedFiles.RealPath(Path.Combine(root, child)) is { } real && real != root && UntrustedFiles.IsUnder(real, root))
                    {
                        folders.Add(new SourceFolder(real, root, LayoutOf(real)));
                    }
                }
            }

            return [.. folders.DistinctBy(f => f.Path).OrderBy(f => f.Path, StringComparer.Ordinal)];
        }, cancellationToken);

    /// <summary>A root may hold many folders; a form offers the first ones (in name order).</summary>
    public const int MaxFoldersPerRoot = 500;

    private static IEnumerable<string> Children(string root)
    {
        try
        {
            return DatasetFormatReaders.ClassFolders(root).Take(MaxFoldersPerRoot);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return []; // a root this process may not list offers nothing; registration still judges any path typed
        }
    }

    // ILSVRC first: its layout is also an image folder's.
    private static readonly DatasetFormat[] LayoutOrder =
        [DatasetFormat.Ilsvrc, DatasetFormat.ImageFolder, DatasetFormat.Idx, DatasetFormat.Cifar10, DatasetFormat.Cifar100];

    private static DatasetFormat? LayoutOf(string folder)
    {
        try
        {
            return LayoutOrder.Where(f => DatasetFormatReaders.For(f).CheckLayout(folder) is null).Select(f => (DatasetFormat?)f).FirstOrDefault();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private DatasetSourceCheck Check(string requestedPath, DatasetFormat format, CancellationToken cancellationToken)
    {
        string notFound = $"No dataset folder '{requestedPath}' under the configured dataset roots (AlexNet:DatasetRoots).";
        string? real = Resolve(requestedPath);
        if (real is null || !Directory.Exists(real))
        {
            return DatasetSourceCheck.Invalid(notFound);
        }

        var roots = options.Roots.Select(Resolve).OfType<string>().Where(Directory.Exists);
        if (!roots.Any(root => UntrustedFiles.IsUnder(real, root)))
        {
            return DatasetSourceCheck.Invalid(notFound);
        }

        var reader = DatasetFormatReaders.For(format);
        if (reader.CheckLayout(real) is { } layoutProblem)
        {
            return DatasetSourceCheck.Invalid(layoutProblem);
        }

        try
        {
            var limits = new UntrustedFileLimits();
            return DecodableImageProbe.Problem(reader.Read(real, limits, cancellationToken), real, limits, cancellationToken) is { } problem
                ? DatasetSourceCheck.Invalid(problem)
                : DatasetSourceCheck.Valid(real);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            return DatasetSourceCheck.Invalid(e.Message);
        }
    }

    private string? Resolve(string path)
    {
        try
        {
            return UntrustedFiles.RealPath(Path.GetFullPath(path, Path.GetFullPath(options.DataDirectory)));
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return null;
        }
    }
}
