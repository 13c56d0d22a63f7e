using AlexNet.Experiments.Domain.Datasets;

namespace AlexNet.Experiments.Infrastructure.Storage.Datasets.Sources;

/// <summary>
/// The ILSVRC layout: root/train/&lt;wnid&gt;/*.JPEG; root/val/*.JPEG flat; root/ILSVRC2012_validation_ground_truth.txt
/// with one 1-based ILSVRC id per line, for the validation files in ordinal file-name order; and root/synsets.txt,
/// whose line i is "&lt;wnid&gt; &lt;name&gt;" for ILSVRC id i (the devkit's meta.mat order). Labels are the sorted wnids
/// of train/, as for image folders; a validation file whose id names no train folder is skipped.
/// </summary>
public sealed class IlsvrcReader : IDatasetFormatReader
{
    public const string GroundTruthFile = "ILSVRC2012_validation_ground_truth.txt";
    public const string SynsetsFile = "synsets.txt";

    public string? CheckLayout(string root)
    {
        if (DatasetFormatReaders.ClassFolders(Path.Combine(root, ImageFolderReader.TrainFolder)).Count == 0)
        {
            return "The folder needs a train/ sub-folder with one folder per wnid.";
        }

        if (!Directory.Exists(Path.Combine(root, ImageFolderReader.ValidationFolder)))
        {
            return "The folder needs a flat val/ sub-folder of validation images.";
        }

        return File.Exists(Path.Combine(root, GroundTruthFile)) && File.Exists(Path.Combine(root, SynsetsFile))
            ? null
            : $"The folder needs {GroundTruthFile} (one ILSVRC id per validation image) and {SynsetsFile} (line i: the wnid of ILSVRC id i).";
    }

    public DatasetRecords Read(string realRoot, UntrustedFileLimits limits, CancellationToken cancellationToken)
    {
        if (CheckLayout(realRoot) is { } problem)
        {
            throw new InvalidDataException(problem);
        }

        var wnids = DatasetFormatReaders.ClassFolders(Path.Combine(realRoot, ImageFolderReader.TrainFolder));
        var labelOf = wnids.Select((wnid, label) => (wnid, label)).ToDictionary(p => p.wnid, p => p.label, StringComparer.Ordinal);
        var train = new List<DatasetRecord>();
        for (int label = 0; label < wnids.Count; label++)
        {
            train.AddRange(DatasetFormatReaders.ImageFiles(Path.Combine(realRoot, ImageFolderReader.TrainFolder, wnids[label]))
                .Select(file => new EncodedImageRecord(DatasetFormatReaders.Relative(realRoot, file), label, file)));
        }

        var synsets = DatasetFormatReaders.ReadLines(Path.Combine(realRoot, SynsetsFile), realRoot, limits)
            .Select(line => line.Split([' ', '\t'], 2)[0]).ToList();
        var groundTruth = DatasetFormatReaders.ReadLines(Path.Combine(realRoot, GroundTruthFile), realRoot, limits);
        var files = DatasetFormatReaders.ImageFiles(Path.Combine(realRoot, ImageFolderReader.ValidationFolder)).ToList();
        if (groundTruth.Count != files.Count)
        {
            throw new InvalidDataException($"{GroundTruthFile} has {groundTruth.Count} labels for {files.Count} validation images.");
        }

        var validation = new List<DatasetRecord>();
        var skipped = new List<SkippedFile>();
        for (int i = 0; i < files.Count; i++)
        {
            string key = DatasetFormatReaders.Relative(realRoot, files[i]);
            if (!int.TryParse(groundTruth[i], out int id) || id < 1 || id > synsets.Count)
            {
                skipped.Add(new SkippedFile(key, $"ground-truth line {i + 1} ('{groundTruth[i]}') is not an ILSVRC id from 1 to {synsets.Count}"));
            }
            else if (!labelOf.TryGetValue(synsets[id - 1], out int label))
            {
                skipped.Add(new SkippedFile(key, $"ILSVRC id {id} ({synsets[id - 1]}) has no train folder"));
            }
            else
            {
                validation.Add(new EncodedImageRecord(key, label, files[i]));
            }
        }

        return new DatasetRecords(wnids, train, validation, skipped);
    }
}
