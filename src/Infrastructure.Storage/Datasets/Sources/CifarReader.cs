namespace AlexNet.Experiments.Infrastructure.Storage.Datasets.Sources;

/// <summary>
/// The CIFAR binary formats. Each record is its label byte(s), then 3072 bytes: the 1024 red, 1024 green and 1024 blue
/// values of a 32x32 image, row-major. CIFAR-10: data_batch_1..5.bin (train), test_batch.bin (validation),
/// batches.meta.txt (class names), one label byte. CIFAR-100: train.bin, test.bin, fine_label_names.txt, two label
/// bytes (coarse, fine), of which the fine label is used. A missing test file means a held-out validation split.
/// </summary>
public sealed class CifarReader(string[] trainFiles, string testFile, string namesFile, int labelBytes) : IDatasetFormatReader
{
    private const int Side = 32;
    private const int PixelBytes = Side * Side * 3;

    public static CifarReader Cifar10 { get; } = new(
        [.. Enumerable.Range(1, 5).Select(i => $"data_batch_{i}.bin")], "test_batch.bin", "batches.meta.txt", labelBytes: 1);

    public static CifarReader Cifar100 { get; } = new(["train.bin"], "test.bin", "fine_label_names.txt", labelBytes: 2);

    public string? CheckLayout(string root) =>
        File.Exists(Path.Combine(root, trainFiles[0])) && File.Exists(Path.Combine(root, namesFile))
            ? null
            : $"The folder needs {string.Join(", ", trainFiles)} (at least the first), {namesFile}, and optionally {testFile}.";

    public DatasetRecords Read(string realRoot, UntrustedFileLimits limits, CancellationToken cancellationToken)
    {
        if (CheckLayout(realRoot) is { } problem)
        {
            throw new InvalidDataException(problem);
        }

        var classNames = DatasetFormatReaders.ReadLines(Path.Combine(realRoot, namesFile), realRoot, limits);
        var train = trainFiles.Where(f => File.Exists(Path.Combine(realRoot, f)))
            .SelectMany(f => ReadBatch(realRoot, f, classNames.Count, limits)).ToList();
        var validation = File.Exists(Path.Combine(realRoot, testFile)) ? ReadBatch(realRoot, testFile, classNames.Count, limits) : null;
        return new DatasetRecords(classNames, train, validation, []);
    }

    private List<DatasetRecord> ReadBatch(string root, string file, int classes, UntrustedFileLimits limits)
    {
        byte[] bytes = UntrustedFiles.ReadContainer(Path.Combine(root, file), root, limits);
        int recordBytes = labelBytes + PixelBytes;
        if (bytes.Length == 0 || bytes.Length % recordBytes != 0)
        {
            throw new InvalidDataException($"'{file}' has {bytes.Length} bytes, not a whole number of {recordBytes}-byte records.");
        }

        int count = bytes.Length / recordBytes;
        var interleaved = new byte[count * PixelBytes];
        var records = new List<DatasetRecord>(count);
        for (int i = 0; i < count; i++)
        {
            var record = bytes.AsSpan(i * recordBytes, recordBytes);
            int label = record[labelBytes - 1];
            if (label >= classes)
            {
                throw new InvalidDataException($"'{file}' record {i} has label {label}, but {namesFile} names {classes} classes.");
            }

            // Planes (R, G, B) to interleaved HWC.
            var planes = record[labelBytes..];
            var target = interleaved.AsSpan(i * PixelBytes, PixelBytes);
            for (int p = 0; p < Side * Side; p++)
            {
                target[p * 3] = planes[p];
                target[p * 3 + 1] = planes[Side * Side + p];
                target[p * 3 + 2] = planes[2 * Side * Side + p];
            }

            records.Add(new RawImageRecord($"{file}#{i}", label, Side, Side, 3, interleaved.AsMemory(i * PixelBytes, PixelBytes)));
        }

        return records;
    }
}
