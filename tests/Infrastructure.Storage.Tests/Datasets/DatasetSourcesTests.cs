using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Infrastructure.Storage.Datasets.Sources;
using AlexNet.Experiments.Tests.Shared;

namespace AlexNet.Experiments.Infrastructure.Storage.Tests.Datasets;

/// <summary>
/// What registration admits (a source with at least one decodable training image) and the size a run's disk estimate starts
/// from: what the format's reader lists, not what the folder holds.
/// </summary>
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
    public async Task The_folders_under_each_root_are_offered_with_the_format_their_layout_matches_and_not_a_link_out_of_the_root()
    {
        var sourcesRoot = root.Combine("sources");
        TestImages.Write(Path.Combine(sourcesRoot, "shapes", "train", "circle", "0.png"), TestImages.SolidPng(10, 20, 30));
        Directory.CreateDirectory(Path.Combine(sourcesRoot, "empty"));
        Directory.CreateDirectory(Path.Combine(sourcesRoot, ".ipynb_checkpoints"));
        Directory.CreateDirectory(root.Combine("outside", "train", "circle"));
        Directory.CreateSymbolicLink(Path.Combine(sourcesRoot, "link-out"), root.Combine("outside"));
        var sources = new DatasetSources(new DatasetSourceOptions(root.Path, ["sources", "no-such-root"]));

        var folders = await sources.ListFoldersAsync(CancellationToken.None);

        string realRoot = UntrustedFiles.RealPath(sourcesRoot)!;
        folders.ShouldBe([
            new SourceFolder(Path.Combine(realRoot, "empty"), realRoot, null),
            new SourceFolder(Path.Combine(realRoot, "shapes"), realRoot, DatasetFormat.ImageFolder),
        ]);
    }

    [Fact]
    public async Task A_source_gone_since_registration_measures_empty()
    {
        var sources = new DatasetSources(new DatasetSourceOptions(root.Path, [root.Path]));

        var size = await sources.MeasureAsync(new Dataset(Guid.NewGuid(), "gone", root.Combine("gone"), DatasetFormat.Idx, DateTimeOffset.UnixEpoch), CancellationToken.None);

        size.ShouldBe(new DatasetSize(0, 0));
    }

    [Fact]
    public async Task A_source_whose_training_files_all_fail_to_decode_is_refused_naming_each_file_and_why()
    {
        var source = root.Combine("broken");
        TestImages.Write(Path.Combine(source, "train", "cat", "empty.jpg"), []);
        TestImages.Write(Path.Combine(source, "train", "cat", "text.png"), "not an image"u8.ToArray());
        TestImages.Write(Path.Combine(source, "train", "dog", "truncated.png"), TestImages.SolidPng(1, 2, 3, width: 64, height: 64)[..60]);
        TestImages.Write(Path.Combine(source, "val", "cat", "fine.png"), TestImages.SolidPng(1, 2, 3));
        var sources = new DatasetSources(new DatasetSourceOptions(root.Path, [root.Path]));

        var check = await sources.CheckAsync(source, DatasetFormat.ImageFolder, CancellationToken.None);

        check.SourcePath.ShouldBeNull();
        check.Problem.ShouldStartWith("The folder holds no decodable training image: all 3 were skipped ('");
        check.Problem.ShouldContain("'train/cat/empty.jpg': empty file");
        check.Problem.ShouldContain("'train/cat/text.png': not a decodable JPEG or PNG image");
        check.Problem.ShouldContain("'train/dog/truncated.png': ");

        // One decodable file among them is enough: preprocessing skips the rest and lists them in the version.
        TestImages.Write(Path.Combine(source, "train", "dog", "fine.png"), TestImages.SolidPng(4, 5, 6));
        (await sources.CheckAsync(source, DatasetFormat.ImageFolder, CancellationToken.None)).ShouldBe(DatasetSourceCheck.Valid(Path.GetFullPath(source)));
    }

    [Fact]
    public async Task A_layout_without_any_training_image_is_refused()
    {
        var source = root.Combine("layout");
        Directory.CreateDirectory(Path.Combine(source, "train", "a"));
        Directory.CreateDirectory(Path.Combine(source, "val", "a"));
        var sources = new DatasetSources(new DatasetSourceOptions(root.Path, [root.Path]));

        (await sources.CheckAsync(source, DatasetFormat.ImageFolder, CancellationToken.None)).Problem.ShouldBe("The folder holds no training image.");
    }
}
