using SkiaSharp;

namespace AlexNet.Experiments.Infrastructure.Torch.Tests.Data;

/// <summary>A temp folder removed at the end of the test.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "alexnet-data-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp folder must not fail a test.
        }
    }
}

internal static class TestImages
{
    public static byte[] Encode(int width, int height, Func<int, int, (byte R, byte G, byte B)> pixel, SKEncodedImageFormat format, int quality = 100)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                var (r, g, b) = pixel(x, y);
                bitmap.SetPixel(x, y, new SKColor(r, g, b));
            }
        }

        using var data = bitmap.Encode(format, quality);
        return data.ToArray();
    }

    public static void Write(string path, byte[] bytes)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
    }

    public static byte[] SolidPng(byte r, byte g, byte b, int width = 8, int height = 6) =>
        Encode(width, height, (_, _) => (r, g, b), SKEncodedImageFormat.Png);
}
