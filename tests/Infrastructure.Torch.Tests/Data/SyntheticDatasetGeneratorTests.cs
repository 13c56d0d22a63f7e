using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Infrastructure.Torch.Data;

namespace AlexNet.Experiments.Infrastructure.Torch.Tests.Data;

public sealed class SyntheticDatasetGeneratorTests
{
    private static readonly SyntheticDatasetSpec Spec = new(Classes: 3, TrainPerClass: 3, ValidationPerClass: 2, ImageSize: 24, Seed: 5);

    [Fact]
    public async Task Writes_real_jpegs_in_the_image_folder_layout()
    {
        using var root = new TempDirectory();

        await new SyntheticDatasetGenerator().GenerateAsync(Spec, root.Path, CancellationToken.None);

        var reader = new ImageFolderDatasetReader();
        reader.ReadClassNames(root.Path).ShouldBe(["00-circle-red", "01-square-orange", "02-triangle-yellow"]);
        var train = reader.ListImages(root.Path, DatasetSplit.Train).ToList();
        var validation = reader.ListImages(root.Path, DatasetSplit.Validation).ToList();
        train.Count.ShouldBe(9);
        validation.Count.ShouldBe(6);
        foreach (var image in train.Concat(validation))
        {
            var bytes = File.ReadAllBytes(image.Path);
            bytes[0].ShouldBe((byte)0xFF);
            bytes[1].ShouldBe((byte)0xD8);
            var decoded = reader.TryDecode(image.Path).ShouldNotBeNull();
            Math.Min(decoded.Width, decoded.Height).ShouldBe(24);
            Math.Max(decoded.Width, decoded.Height).ShouldBe(32);
        }
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
