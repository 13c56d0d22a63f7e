using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;

namespace AlexNet.Experiments.Infrastructure.Storage.Datasets.Sources;

/// <summary>
/// MNIST-style IDX files in the root: train-images-idx3-ubyte and train-labels-idx1-ubyte, and optionally the test
/// split t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, each plain or gzipped (.gz). Big-endian: images have
/// magic 0x00000803, count, rows, columns, then count x rows x columns bytes; labels 0x00000801, count, count bytes.
/// Class names are the label values "0".."N-1"; the test split is the validation split.
/// </summary>
public sealed class IdxReader : IDatasetFormatReader
{
    public const int ImagesMagic = 0x00000803;
    public const int LabelsMagic = 0x00000801;

    public string? CheckLayout(string root)
    {
        if (Find(root, "train-images-idx3-ubyte") is null || Find(root, "train-labels-idx1-ubyte") is null)
        {
            return "The folder needs train-images-idx3-ubyte[.gz] and train-labels-idx1-ubyte[.gz] (and optionally the t10k-* pair).";
        }

        return (Find(root, "t10k-images-idx3-ubyte") is null) != (Find(root, "t10k-labels-idx1-ubyte") is null)
            ? "The folder has only one of t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz]."
            : null;
    }

    public DatasetRecords Read(string realRoot, UntrustedFileLimits limits, CancellationToken cancellationToken)
    {
        if (CheckLayout(realRoot) is { } problem)
        {
            throw new InvalidDataException(problem);
        }

        var (train, trainLabels) = ReadSplit(realRoot, "train", limits);
        (List<DatasetRecord> Records, byte[] Labels)? validation =
            Find(realRoot, "t10k-images-idx3-ubyte") is null ? null : ReadSplit(realRoot, "t10k", limits);
        if (train.Count == 0)
        {
            throw new InvalidDataException("train-images-idx3-ubyte holds no images.");
        }

        int classes = trainLabels.Concat(validation?.Labels ?? []).Max() + 1;
        var classNames = Enumerable.Range(0, classes).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToList();
        return new DatasetRecords(classNames, train, validation?.Records, []);
    }

    private static (List<DatasetRecord> Records, byte[] Labels) ReadSplit(string root, string prefix, UntrustedFileLimits limits)
    {
        string imagesPath = Find(root, $"{prefix}-images-idx3-ubyte")!;
        string labelsPath = Find(root, $"{prefix}-labels-idx1-ubyte")!;
        var (imageHeader, pixels) = ReadIdx(imagesPath, root, ImagesMagic, dimensions: 3, limits);
        var (labelHeader, labels) = ReadIdx(labelsPath, root, LabelsMagic, dimensions: 1, limits);
        int count = imageHeader[0], rows = imageHeader[1], columns = imageHeader[2];
        if (labelHeader[0] != count)
        {
            throw new InvalidDataException($"'{Path.GetFileName(imagesPath)}' has {count} images but '{Path.GetFileName(labelsPath)}' {labelHeader[0]} labels.");
        }

        string name = Path.GetFileName(imagesPath);
        int size = rows * columns;
        var records = new List<DatasetRecord>(count);
        for (int i = 0; i < count; i++)
        {
            records.Add(new RawImageRecord($"{name}#{i}", labels[i], columns, rows, 1, pixels.AsMemory(i * size, size)));
        }

        return (records, labels);
    }

    // Reads the header, then exactly the bytes it declares (capped), so a gzip bomb cannot make us inflate more.
    private static (int[] Header, byte[] Data) ReadIdx(string path, string root, int magic, int dimensions, UntrustedFileLimits limits)
    {
        string name = Path.GetFileName(path);
        byte[] file = UntrustedFiles.ReadContainer(path, root, limits);
        using Stream stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)
            ? new GZipStream(new MemoryStream(file), CompressionMode.Decompress)
            : new MemoryStream(file);
        try
        {
            var header = new byte[4 * (dimensions + 1)];
            stream.ReadExactly(header.AsSpan(0, 4));
            int actual = BinaryPrimitives.ReadInt32BigEndian(header);
            if (actual != magic)
            {
                throw new InvalidDataException($"'{name}' has magic 0x{actual:X8}, not 0x{magic:X8}.");
            }

            stream.ReadExactly(header.AsSpan(4));
            var sizes = new int[dimensions];
            long total = 1;
            for (int d = 0; d < dimensions; d++)
            {
                sizes[d] = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4 * (d + 1)));
                if (sizes[d] < 0 || (d > 0 && sizes[d] == 0))
                {
                    throw new InvalidDataException($"'{name}' declares dimension {d} as {sizes[d]}.");
                }

                total *= sizes[d];
                if (total > limits.MaxContainerBytes || total > Array.MaxLength)
                {
                    throw new InvalidDataException($"'{name}' declares {string.Join('x', sizes.Take(d + 1))} bytes, over the cap of {limits.MaxContainerBytes}.");
                }
            }

            var data = new byte[total];
            stream.ReadExactly(data);
            return (sizes, data);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"'{name}' is shorter than its header declares.", e);
        }
    }

    private static string? Find(string root, string name) =>
        new[] { name, name + ".gz" }.Select(n => Path.Combine(root, n)).FirstOrDefault(File.Exists);
}
