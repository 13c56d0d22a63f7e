using System.Text.Json;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Infrastructure.Storage.Datasets.Sources;
using SkiaSharp;

namespace AlexNet.Experiments.Infrastructure.Storage.Datasets;

/// <summary>
/// Writes a learnable image-folder dataset of real JPEGs: class i is one shape in one hue ("00-circle-red"),
/// drawn at a random position, size and rotation over a tinted gradient background with pixel noise.
/// Images are not square: each is S x 4S/3, landscape or portrait at random, so preprocessing has to scale the
/// shorter side and centre-crop; the shape always lies inside the centre S x S square. Deterministic per seed.
/// </summary>
public sealed class SyntheticDatasetGenerator : ISyntheticDatasetGenerator
{
    public const int MaxClasses = 64;
    public const int JpegQuality = 90;

    private static readonly string[] Shapes = ["circle", "square", "triangle", "cross", "ring", "diamond", "star", "hexagon"];

    private static readonly (string Name, float Hue)[] Colours =
        [("red", 0), ("orange", 30), ("yellow", 58), ("green", 120), ("cyan", 180), ("blue", 228), ("purple", 275), ("magenta", 315)];

    /// <summary>Folder name of class <paramref name="index"/>; every (shape, colour) pair is used at most once.</summary>
    public static string ClassName(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, MaxClasses);
        var (shape, colour) = ClassOf(index);
        return $"{index:D2}-{Shapes[shape]}-{Colours[colour].Name}";
    }

    public const string SpecFile = "synthetic-spec.json";

    public async Task<string> GenerateAsync(SyntheticDatasetSpec spec, string outputPath, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(spec.Classes, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(spec.Classes, MaxClasses);
        ArgumentOutOfRangeException.ThrowIfNegative(spec.TrainPerClass);
        ArgumentOutOfRangeException.ThrowIfNegative(spec.ValidationPerClass);
        ArgumentOutOfRangeException.ThrowIfLessThan(spec.ImageSize, 8);
        var path = Path.GetFullPath(outputPath);
        // The generator is deterministic: a folder already holding this spec holds this dataset.
        if (!HoldsSpec(path, spec))
        {
            await Task.Run(() => Generate(spec, path, cancellationToken), cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(path, SpecFile), JsonSerializer.Serialize(spec), cancellationToken);
        }

        return path;
    }

    public bool CanWriteTo(string outputPath, SyntheticDatasetSpec spec) =>
        !Directory.Exists(outputPath) || !Directory.EnumerateFileSystemEntries(outputPath).Any() || HoldsSpec(outputPath, spec);

    private static bool HoldsSpec(string path, SyntheticDatasetSpec spec)
    {
        var file = Path.Combine(path, SpecFile);
        return File.Exists(file) && JsonSerializer.Deserialize<SyntheticDatasetSpec>(File.ReadAllText(file)) == spec;
    }

    private static void Generate(SyntheticDatasetSpec spec, string outputPath, CancellationToken cancellationToken)
    {
        var jobs = new List<(DatasetSplit Split, int Class, int Index, string Path)>();
        foreach (var (split, perClass) in new[] { (DatasetSplit.Train, spec.TrainPerClass), (DatasetSplit.Validation, spec.ValidationPerClass) })
        {
            for (int c = 0; c < spec.Classes; c++)
            {
                string folder = Path.Combine(outputPath, split == DatasetSplit.Train ? ImageFolderReader.TrainFolder : ImageFolderReader.ValidationFolder, ClassName(c));
                Directory.CreateDirectory(folder);
                for (int i = 0; i < perClass; i++)
                {
                    jobs.Add((split, c, i, Path.Combine(folder, $"{i:D5}.jpg")));
                }
            }
        }

        var options = new ParallelOptions { CancellationToken = cancellationToken };
        Parallel.ForEach(jobs, options, job =>
        {
            // Each image has its own seed, so the output does not depend on thread scheduling.
            var random = new Random(ImageSeed(spec.Seed, job.Split, job.Class, job.Index));
            File.WriteAllBytes(job.Path, Render(job.Class, spec.ImageSize, random));
        });
    }

    private static (int Shape, int Colour) ClassOf(int index) =>
        (index % Shapes.Length, (index + index / Shapes.Length) % Colours.Length);

    private static int ImageSeed(int seed, DatasetSplit split, int classIndex, int index)
    {
        ulong x = (ulong)(uint)seed;
        x = Mix(x ^ ((ulong)split + 1) * 0x9E3779B97F4A7C15UL);
        x = Mix(x ^ ((ulong)classIndex + 1) * 0xC2B2AE3D27D4EB4FUL);
        x = Mix(x ^ ((ulong)index + 1) * 0x165667B19E3779F9UL);
        return (int)(x & int.MaxValue);
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static byte[] Render(int classIndex, int size, Random random)
    {
        int longer = (int)Math.Round(size * 4 / 3.0);
        bool landscape = random.NextDouble() < 0.5;
        int width = landscape ? longer : size, height = landscape ? size : longer;
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(bitmap))
        {
            DrawBackground(canvas, width, height, random);
            DrawClutter(canvas, width, height, size, random);

            var (shape, colour) = ClassOf(classIndex);
            float radius = size * (float)(0.17 + 0.15 * random.NextDouble());
            float left = (width - size) / 2f, top = (height - size) / 2f;
            float cx = left + radius + (float)random.NextDouble() * (size - 2 * radius);
            float cy = top + radius + (float)random.NextDouble() * (size - 2 * radius);
            float hue = (Colours[colour].Hue + (float)(random.NextDouble() * 16 - 8) + 360) % 360;
            var fill = SKColor.FromHsv(hue, 65 + 35 * (float)random.NextDouble(), 60 + 40 * (float)random.NextDouble());

            using var paint = new SKPaint { Color = fill, IsAntialias = true, Style = SKPaintStyle.Fill };
            using var path = ShapePath(Shapes[shape], radius);
            canvas.Translate(cx, cy);
            canvas.RotateDegrees((float)(random.NextDouble() * 360));
            canvas.DrawPath(path, paint);
        }

        AddNoise(bitmap, amplitude: 12, random);
        using var encoded = bitmap.Encode(SKEncodedImageFormat.Jpeg, JpegQuality)
            ?? throw new InvalidOperationException("SkiaSharp could not encode a JPEG.");
        return encoded.ToArray();
    }

    private static void DrawBackground(SKCanvas canvas, int width, int height, Random random)
    {
        // Low-saturation tints keep the background from competing with the class hue.
        float hue = (float)(random.NextDouble() * 360);
        float value = 25 + 60 * (float)random.NextDouble();
        var from = SKColor.FromHsv(hue, 25 * (float)random.NextDouble(), value);
        var to = SKColor.FromHsv((hue + 40) % 360, 25 * (float)random.NextDouble(), Math.Clamp(value + (float)(random.NextDouble() * 30 - 15), 10, 95));
        using var shader = SKShader.CreateLinearGradient(
            new SKPoint(0, 0), new SKPoint(width * (float)random.NextDouble(), height), [from, to], SKShaderTileMode.Clamp);
        using var paint = new SKPaint { Shader = shader };
        canvas.DrawRect(0, 0, width, height, paint);
    }

    private static void DrawClutter(SKCanvas canvas, int width, int height, int size, Random random)
    {
        using var paint = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Fill };
        int blobs = random.Next(4);
        for (int i = 0; i < blobs; i++)
        {
            byte grey = (byte)random.Next(40, 220);
            paint.Color = new SKColor(grey, grey, grey, (byte)random.Next(60, 140));
            canvas.DrawOval(
                (float)random.NextDouble() * width, (float)random.NextDouble() * height,
                size * (0.03f + 0.07f * (float)random.NextDouble()), size * (0.03f + 0.07f * (float)random.NextDouble()), paint);
        }
    }

    private static SKPath ShapePath(string shape, float r)
    {
        const SKPathDirection Clockwise = SKPathDirection.Clockwise;
        using var path = new SKPathBuilder();
        switch (shape)
        {
            case "circle":
                path.AddCircle(0, 0, r, Clockwise);
                break;
            case "square":
                path.AddRect(new SKRect(-0.8f * r, -0.8f * r, 0.8f * r, 0.8f * r), Clockwise);
                break;
            case "triangle":
                path.AddPoly(Polygon(3, r, r), close: true);
                break;
            case "cross":
                path.AddRect(new SKRect(-r, -0.25f * r, r, 0.25f * r), Clockwise);
                path.AddRect(new SKRect(-0.25f * r, -r, 0.25f * r, r), Clockwise);
                break;
            case "ring":
                path.FillType = SKPathFillType.EvenOdd;
                path.AddCircle(0, 0, r, Clockwise);
                path.AddCircle(0, 0, 0.55f * r, Clockwise);
                break;
            case "diamond":
                // Elongated, or under random rotation it would be a square.
                path.AddPoly([new SKPoint(0, -r), new SKPoint(0.55f * r, 0), new SKPoint(0, r), new SKPoint(-0.55f * r, 0)], close: true);
                break;
            case "star":
                path.AddPoly(Polygon(10, r, 0.45f * r), close: true);
                break;
            case "hexagon":
                path.AddPoly(Polygon(6, r, r), close: true);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(shape), shape, null);
        }

        return path.Detach();
    }

    // Alternates outer and inner radius, which makes a star when they differ and a regular polygon when equal.
    private static SKPoint[] Polygon(int points, float outer, float inner)
    {
        var vertices = new SKPoint[points];
        for (int i = 0; i < points; i++)
        {
            double angle = -Math.PI / 2 + 2 * Math.PI * i / points;
            float radius = i % 2 == 0 ? outer : inner;
            vertices[i] = new SKPoint(radius * (float)Math.Cos(angle), radius * (float)Math.Sin(angle));
        }

        return vertices;
    }

    private static void AddNoise(SKBitmap bitmap, int amplitude, Random random)
    {
        Span<byte> pixels = bitmap.GetPixelSpan();
        int rowBytes = bitmap.RowBytes;
        for (int y = 0; y < bitmap.Height; y++)
        {
            var row = pixels.Slice(y * rowBytes, bitmap.Width * 4);
            for (int i = 0; i < row.Length; i += 4)
            {
                for (int c = 0; c < 3; c++)
                {
                    row[i + c] = (byte)Math.Clamp(row[i + c] + random.Next(-amplitude, amplitude + 1), 0, 255);
                }
            }
        }
    }
}
