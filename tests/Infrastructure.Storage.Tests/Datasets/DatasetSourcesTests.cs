using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Infrastructure.Storage.Datasets.Sources;
using AlexNet.Experiments.Tests.Shared;

namespace AlexNet.Experiments.Infrastructure.Storage.Tests.Datasets;

/// <summary>The size a run's disk estimate starts from: what the format's reader lists, not what the folder holds.</summary>
public sealed class DatasetSourcesTests : IDisposable
{
    private readonly TempDirectory root = new();

    public void Dispose() => root.Dispose();

    [Fact]
    public async Task A_source_measures_as_the_classes_and_images_its_reader_lists()
    {
        var source = root.Combine("shapes");
        foreach (var (split, cls, count) in new[] { ("train", "circle", 3), ("train", "square", 2), ("val", "circle", 2) })
        {
            for (int i = 0; i < count; i++)
            {
                TestImages.Write(Path.Combine(source, split, cls, $"{i}.png"), TestImages.SolidPng(10, 20, 30));
            }
        }

        TestImages.Write(Path.Combine(source, "train", "circle", "notes.txt"), [1, 2, 3]); // not an image: not listed
        var sources = new DatasetSources(new DatasetSourceOptions(root.Path, [root.Path]));

        var size = await sources.MeasureAsync(new Dataset(Guid.NewGuid(), "shapes", source, DatasetFormat.ImageFolder, DateTimeOffset.UnixEpoch), CancellationToken.None);

        size.ShouldBe(new DatasetSize(Classes: 2, Images: 7));
    }

    [Fact]
    public async Task A_source_gone_since_registration_measures_empty()
    {
        var sources = new DatasetSources(new DatasetSourceOptions(root.Path, [root.Path]));

        var size = await sources.MeasureAsync(new Dataset(Guid.NewGuid(), "gone", root.Combine("gone"), DatasetFormat.Idx, DateTimeOffset.UnixEpoch), CancellationToken.None);

        size.ShouldBe(new DatasetSize(0, 0));
    }
}
