using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Infrastructure.Storage.Datasets;
using AlexNet.Experiments.Infrastructure.Storage.Datasets.Sources;
using AlexNet.Experiments.Tests.Shared;

namespace AlexNet.Experiments.Infrastructure.Storage.Tests.Datasets;

public sealed class SyntheticDatasetGeneratorTests
{
    private static readonly SyntheticDatasetSpec Spec = new(Classes: 3, TrainPerClass: 3, ValidationPerClass: 2, ImageSize: 24, Seed: 5);

    [Fact]
    public async Task Writes_real_jpegs_in_the_image_folder_layout()
    {
        using var root = new TempDirectory();

        await new SyntheticDatasetGenerator().GenerateAsync(Spec, root.Path, CancellationToken.None);

        var records = new ImageFolderReader().Read(UntrustedFiles.RealPath(root.Path)!, new UntrustedFileLimits(), CancellationToken.None);
        records.ClassNames.ShouldBe(["00-circle-red", "01-square-orange", "02-triangle-yellow"]);
        records.Train.Count.ShouldBe(9);
        records.Validation.ShouldNotBeNull().Count.ShouldBe(6);
        foreach (var image in records.Train.Concat(records.Validation!).Cast<EncodedImageRecord>())
        {
            var bytes = File.ReadAllBytes(image.Path);
            bytes[0].ShouldBe((byte)0xFF);
            bytes[1].ShouldBe((byte)0xD8);
            using var decoded = SkiaImaging.TryDecode(bytes, 0, long.MaxValue, out _).ShouldNotBeNull();
            Math.Min(decoded.Width, decoded.Height).ShouldBe(24);
            Math.Max(decoded.Width, decoded.Height).ShouldBe(32);
        }
    }

    [Fact]
    public async Task A_folder_holding_the_spec_is_kept_and_another_non_empty_folder_is_refused()
    {
        using var root = new TempDirectory();
        var generator = new SyntheticDatasetGenerator();
        generator.CanWriteTo(root.Path, Spec).ShouldBeTrue();

        (await generator.GenerateAsync(Spec, root.Path, CancellationToken.None)).ShouldBe(Path.GetFullPath(root.Path));

        generator.CanWriteTo(root.Path, Spec).ShouldBeTrue();
        generator.CanWriteTo(root.Path, Spec with { Seed = 6 }).ShouldBeFalse();
    }

    [Fact]
    public async Task Same_seed_gives_the_same_bytes_and_another_seed_does_not()
    {
        using var first = new TempDirectory();
        using var second = new TempDirectory();
        using var other = new TempDirectory();
        var generator = new SyntheticDatasetGenerator();

        await generator.GenerateAsync(Spec, first.Path, CancellationToken.None);
        await generator.GenerateAsync(Spec, second.Path, CancellationToken.None);
        await generator.GenerateAsync(Spec with { Seed = 6 }, other.Path, CancellationToken.None);

        var files = Directory.GetFiles(first.Path, "*.jpg", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(first.Path, f)).Order().ToList();
        files.Count.ShouldBe(15);
        foreach (var file in files)
        {
            File.ReadAllBytes(second.Combine(file)).ShouldBe(File.ReadAllBytes(first.Combine(file)), file);
        }

        files.Count(f => File.ReadAllBytes(other.Combine(f)).AsSpan().SequenceEqual(File.ReadAllBytes(first.Combine(f)))).ShouldBe(0);
    }

    [Fact]
    public void Class_names_pair_each_shape_with_a_distinct_colour()
    {
        var names = Enumerable.Range(0, SyntheticDatasetGenerator.MaxClasses).Select(SyntheticDatasetGenerator.ClassName).ToList();
        names.Distinct().Count().ShouldBe(SyntheticDatasetGenerator.MaxClasses);
        names.Select(n => n[3..]).Distinct().Count().ShouldBe(SyntheticDatasetGenerator.MaxClasses);
        names[8].ShouldBe("08-circle-orange");
    }
}
