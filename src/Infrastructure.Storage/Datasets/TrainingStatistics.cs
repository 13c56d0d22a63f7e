using System.Buffers.Binary;

namespace AlexNet.Experiments.Infrastructure.Storage.Datasets;

/// <summary>
/// Streaming per-pixel mean and 3x3 RGB covariance of the training crops. Integer sums are exact, so the result does not
/// depend on summation order or on how the crops were cut into shards, and matches a direct computation. 64 bits hold
/// ImageNet's sums with room to spare (1.3M images x 256^2 pixels x 255^2 is about 5.5e15).
/// </summary>
internal sealed class TrainingStatistics(int size)
{
    private readonly long[] _pixelSums = new long[size * size * 3];
    private readonly long[] _channelSums = new long[3];
    private readonly long[] _productSums = new long[9];
    private long _images;

    public void Add(ReadOnlySpan<byte> crop)
    {
        long r = 0, g = 0, b = 0, rr = 0, gg = 0, bb = 0, rg = 0, rb = 0, gb = 0;
        var sums = _pixelSums.AsSpan(0, crop.Length);
        for (int i = 0; i < crop.Length; i += 3)
        {
            int pr = crop[i], pg = crop[i + 1], pb = crop[i + 2];
            sums[i] += pr;
            sums[i + 1] += pg;
            sums[i + 2] += pb;
            r += pr;
            g += pg;
            b += pb;
            rr += pr * pr;
            gg += pg * pg;
            bb += pb * pb;
            rg += pr * pg;
            rb += pr * pb;
            gb += pg * pb;
        }

        _channelSums[0] += r;
        _channelSums[1] += g;
        _channelSums[2] += b;
        _productSums[0] += rr;
        _productSums[1] += rg;
        _productSums[2] += rb;
        _productSums[4] += gg;
        _productSums[5] += gb;
        _productSums[8] += bb;
        _images++;
    }

    /// <summary>The exact sums, little-endian: images, channel sums, product sums, per-pixel sums.</summary>
    public void WriteTo(Stream stream)
    {
        var buffer = new byte[sizeof(long)];
        foreach (long value in (long[])[_images, .. _channelSums, .. _productSums, .. _pixelSums])
        {
            BinaryPrimitives.WriteInt64LittleEndian(buffer, value);
            stream.Write(buffer);
        }
    }

    /// <summary>Adds the sums another part wrote with <see cref="WriteTo"/>.</summary>
    public void AddFrom(Stream stream)
    {
        var bytes = new byte[(1 + _channelSums.Length + _productSums.Length + _pixelSums.Length) * sizeof(long)];
        stream.ReadExactly(bytes);
        if (stream.ReadByte() != -1)
        {
            throw new InvalidDataException("A shard's statistics do not match the image size of its plan.");
        }

        int offset = 0;
        long Next() => BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan((offset++) * sizeof(long)));
        _images += Next();
        foreach (var sums in new[] { _channelSums, _productSums, _pixelSums })
        {
            for (int i = 0; i < sums.Length; i++)
            {
                sums[i] += Next();
            }
        }
    }

    public byte[] MeanImageBytes()
    {
        var bytes = new byte[_pixelSums.Length * sizeof(float)];
        for (int i = 0; i < _pixelSums.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), (float)((double)_pixelSums[i] / _images));
        }

        return bytes;
    }

    /// <summary>Population covariance, row-major 3x3, on the 0..255 scale.</summary>
    public double[] Covariance()
    {
        Int128 pixels = (Int128)_images * (_pixelSums.Length / 3);
        double denominator = (double)pixels * (double)pixels;
        var covariance = new double[9];
        for (int row = 0; row < 3; row++)
        {
            for (int column = row; column < 3; column++)
            {
                // N * sum(xy) - sum(x) * sum(y) in 128-bit integers: exact, no cancellation.
                Int128 numerator = pixels * _productSums[row * 3 + column] - (Int128)_channelSums[row] * _channelSums[column];
                covariance[row * 3 + column] = covariance[column * 3 + row] = (double)numerator / denominator;
            }
        }

        return covariance;
    }
}
