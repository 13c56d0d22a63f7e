using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using System.Text.Json;
using AlexNet.Experiments.Domain.Datasets;

namespace AlexNet.Experiments.Infrastructure.Storage.Datasets;

/// <summary>
/// One split of a preprocessed store, memory-mapped read-only so a data loader can read any image without
/// holding the split in memory. <see cref="Image"/> is safe to call from several threads.
/// </summary>
public sealed unsafe class PreprocessedSplit : IDisposable
{
    private readonly MemoryMappedFile? _file;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly byte* _pointer;
    private readonly int[] _labels;
    private readonly int _imageBytes;
    private bool _disposed;

    private PreprocessedSplit(MemoryMappedFile? file, MemoryMappedViewAccessor? view, byte* pointer, int[] labels, int imageSize)
    {
        _file = file;
        _view = view;
        _pointer = pointer;
        _labels = labels;
        ImageSize = imageSize;
        _imageBytes = imageSize * imageSize * 3;
    }

    public int Count => _labels.Length;

    public int ImageSize { get; }

    public ReadOnlySpan<int> Labels => _labels;

    public static PreprocessedSplit Open(string storePath, DatasetSplit split, int imageSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(imageSize);
        string imagesPath = Path.Combine(storePath, StoreFiles.Images(split));
        int[] labels = ReadLabels(Path.Combine(storePath, StoreFiles.Labels(split)));
        long length = new FileInfo(imagesPath).Length;
        if (length != labels.Length * StoreFiles.ImageBytes(imageSize))
        {
            throw new InvalidDataException(
                $"'{imagesPath}' has {length} bytes; {labels.Length} labels of {imageSize}x{imageSize}x3 images need {labels.Length * StoreFiles.ImageBytes(imageSize)}.");
        }

        // An empty file cannot be mapped.
        if (length == 0)
        {
            return new PreprocessedSplit(null, null, null, labels, imageSize);
        }

        var file = MemoryMappedFile.CreateFromFile(imagesPath, FileMode.Open, mapName: null, 0, MemoryMappedFileAccess.Read);
        try
        {
            var view = file.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
            byte* pointer = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            return new PreprocessedSplit(file, view, pointer + view.PointerOffset, labels, imageSize);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>HWC RGB bytes of image <paramref name="index"/>, valid until this split is disposed.</summary>
    public ReadOnlySpan<byte> Image(int index)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if ((uint)index >= (uint)_labels.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"The split has {_labels.Length} images.");
        }

        return new ReadOnlySpan<byte>(_pointer + (long)index * _imageBytes, _imageBytes);
    }

    public int Label(int index) => _labels[index];

    /// <summary>The per-pixel training mean, S x S x 3 HWC on the 0..255 scale.</summary>
    public static float[] ReadMeanImage(string storePath, int imageSize)
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(storePath, StoreFiles.Mean));
        long expected = StoreFiles.ImageBytes(imageSize) * sizeof(float);
        if (bytes.Length != expected)
        {
            throw new InvalidDataException($"mean.bin has {bytes.Length} bytes; a {imageSize}x{imageSize}x3 float32 image needs {expected}.");
        }

        var mean = new float[bytes.Length / sizeof(float)];
        for (int i = 0; i < mean.Length; i++)
        {
            mean[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * sizeof(float)));
        }

        return mean;
    }

    /// <summary>Reads version.json; <see cref="DatasetVersion.StorePath"/> is set to where the store actually is.</summary>
    public static DatasetVersion ReadVersion(string storePath)
    {
        string path = Path.Combine(storePath, StoreFiles.Version);
        var version = JsonSerializer.Deserialize<DatasetVersion>(File.ReadAllText(path), StoreFiles.Json)
            ?? throw new InvalidDataException($"'{path}' holds no dataset version.");
        return version with { StorePath = Path.GetFullPath(storePath) };
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_view is not null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
        }

        _file?.Dispose();
    }

    private static int[] ReadLabels(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length % sizeof(int) != 0)
        {
            throw new InvalidDataException($"'{path}' has {bytes.Length} bytes, not a whole number of int32 labels.");
        }

        int[] labels = MemoryMarshal.Cast<byte, int>(bytes).ToArray();
        if (!BitConverter.IsLittleEndian)
        {
            BinaryPrimitives.ReverseEndianness(labels, labels);
        }

        return labels;
    }
}
