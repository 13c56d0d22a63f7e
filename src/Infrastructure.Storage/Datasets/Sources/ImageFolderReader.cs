namespace AlexNet.Experiments.Infrastructure.Storage.Datasets.Sources;

/// <summary>
/// The ImageNet folder layout: root/train/&lt;class&gt;/*.jpg|jpeg|png and, optionally, root/val/&lt;class&gt;/*.
/// Labels are the ordinal-sorted class folder names of train/; listings are sorted so every run sees the same order.
/// </summary>
public sealed class ImageFolderReader : IDatasetFormatReader
{
    public const string TrainFolder = "train";
    public const string ValidationFolder = "val";

    public string? CheckLayout(string root) =>
        DatasetFormatReaders.ClassFolders(Path.Combine(root, TrainFolder)).Count == 0
            ? "The folder needs a train/ sub-folder with one folder per class (and optionally val/ with the same class folders)."
            : null;

    public DatasetRecords Read(string realRoot, UntrustedFileLimits limits, CancellationToken cancellationToken)
    {
        if (CheckLayout(realRoot) is { } problem)
        {
            throw new InvalidDataException(problem);
        }

        var classNames = DatasetFormatReaders.ClassFolders(Path.Combine(realRoot, TrainFolder));
        string validation = Path.Combine(realRoot, ValidationFolder);
        return new DatasetRecords(
            classNames,
            List(realRoot, TrainFolder, classNames),
            Directory.Exists(validation) ? List(realRoot, ValidationFolder, classNames) : null,
            []);
    }

    private static List<DatasetRecord> List(string root, string split, IReadOnlyList<string> classNames)
    {
        var records = new List<DatasetRecord>();
        for (int label = 0; label < classNames.Count; label++)
        {
            string folder = Path.Combine(root, split, classNames[label]);
            if (Directory.Exists(folder))
            {
                records.AddRange(DatasetFormatReaders.ImageFiles(folder)
                    .Select(file => new EncodedImageRecord(DatasetFormatReaders.Relative(root, file), label, file)));
            }
        }

        return records;
    }
}
