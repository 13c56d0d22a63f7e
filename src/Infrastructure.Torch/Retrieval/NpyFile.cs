using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace AlexNet.Experiments.Infrastructure.Torch.Retrieval;

/// <summary>
/// NumPy's .npy format, version 1.0, little-endian, C order: a magic string, a header dict padded with spaces to a multiple of
/// 64 bytes, then the raw values. numpy.load reads what this writes.
/// </summary>
public static partial class NpyFile
{
    public const string Float32 = "<f4", Int64 = "<i8";

    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0];

    /// <summary>The header of an array of <paramref name="shape"/>; the values follow it directly.</summary>
    public static byte[] Header(string descr, params long[] shape)
    {
        string dims = shape.Length == 1
            ? $"{shape[0]}," // a 1-tuple needs its comma
            : string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture)));
        string dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({dims}), }}";
        int unpadded = Magic.Length + 2 + dict.Length + 1;
        int padding = (64 - (unpadded % 64)) % 64;
        string text = dict + new string(' ', padding) + "\n";
        var header = new byte[Magic.Length + 2 + text.Length];
        Magic.CopyTo(header, 0);
        header[Magic.Length] = (byte)(text.Length & 0xFF);
        header[Magic.Length + 1] = (byte)(text.Length >> 8);
        Encoding.ASCII.GetBytes(text, header.AsSpan(Magic.Length + 2));
        return header;
    }

    /// <summary>Reads the header at the start of <paramref name="stream"/>, leaving it at the first value.</summary>
    public static (string Descr, long[] Shape) ReadHeader(Stream stream)
    {
        var prefix = new byte[Magic.Length + 2];
        stream.ReadExactly(prefix);
        if (!prefix.AsSpan(0, 6).SequenceEqual(Magic.AsSpan(0, 6)) || prefix[6] != 1)
        {
            throw new InvalidDataException("Not a version 1 .npy file.");
        }

        int length = prefix[8] | (prefix[9] << 8);
        var text = new byte[length];
        stream.ReadExactly(text);
        var header = Encoding.ASCII.GetString(text);
        var match = HeaderPattern().Match(header);
        if (!match.Success || header.Contains("'fortran_order': True", StringComparison.Ordinal))
        {
            throw new InvalidDataException($"Unsupported .npy header: {header.Trim()}");
        }

        var shape = match.Groups["shape"].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(d => long.Parse(d, CultureInfo.InvariantCulture)).ToArray();
        return (match.Groups["descr"].Value, shape);
    }

    public static void WriteInt64(string path, ReadOnlySpan<long> values)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        file.Write(Header(Int64, values.Length));
        var bytes = new byte[values.Length * sizeof(long)];
        for (int i = 0; i < values.Length; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * sizeof(long)), values[i]);
        }

        file.Write(bytes);
    }

    public static long[] ReadInt64(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var (descr, shape) = ReadHeader(file);
        if (descr != Int64 || shape.Length != 1)
        {
            throw new InvalidDataException($"'{Path.GetFileName(path)}' holds {descr} of shape ({string.Join(", ", shape)}), not a vector of {Int64}.");
        }

        var values = new long[shape[0]];
        var bytes = new byte[values.Length * sizeof(long)];
        file.ReadExactly(bytes);
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(i * sizeof(long)));
        }

        return values;
    }

    [GeneratedRegex(@"'descr':\s*'(?<descr>[^']+)'.*'shape':\s*\((?<shape>[0-9,\s]*)\)", RegexOptions.Singleline)]
    private static partial Regex HeaderPattern();
}
