using SkiaSharp;

namespace AlexNet.Experiments.Infrastructure.Storage.Tests.Datasets;

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
