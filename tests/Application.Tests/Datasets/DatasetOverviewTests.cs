using AlexNet.Experiments.Application.Datasets.ListDatasetOverviews;
using AlexNet.Experiments.Application.Datasets.ListDatasetSources;
using AlexNet.Experiments.Application.Tests.Fakes;
using AlexNet.Experiments.Domain.Datasets;

namespace AlexNet.Experiments.Application.Tests;

public sealed class DatasetOverviewTests : IDisposable
{
    private readonly ApplicationHarness harness = new();

    public void Dispose() => harness.Dispose();

    [Fact]
    public async Task Source_folders_name_the_dataset_registered_from_them()
    {
        var shapes = await harness.AddDatasetAsync("shapes");
        harness.Sources.Valid["/data/shapes"] = "/data/shapes";
        harness.Sources.Valid["/data/other"] = "/data/other";

        var folders = await harness.SendAsync(new ListDatasetSourcesQuery());

        folders.ShouldBe([
            new DatasetSourceFolder("/data/other", "/data", DatasetFormat.ImageFolder, null),
            new DatasetSourceFolder("/data/shapes", "/data", DatasetFormat.ImageFolder, shapes.Id),
        ]);
    }

    [Fact]
    public async Task Each_dataset_is_listed_with_its_versions_and_their_size_on_disk()
    {
        var dataset = await harness.AddDatasetAsync();
        await harness.AddDatasetAsync("not preprocessed");
        var version = await harness.Preprocessor.PreprocessAsync(dataset, new PreprocessingSettings(16), "/store", null, CancellationToken.None);
        await harness.Store.AddDatasetVersionAsync(version, CancellationToken.None);

        var overviews = (await harness.SendAsync(new ListDatasetOverviewsQuery())).ToDictionary(o => o.Dataset.Name);

        var stored = overviews["shapes"].Versions.ShouldHaveSingleItem();
        stored.Version.ContentHash.ShouldBe(version.ContentHash);
        stored.Bytes.ShouldBe(1000);
        overviews["shapes"].Latest!.ContentHash.ShouldBe(version.ContentHash);
        overviews["not preprocessed"].Latest.ShouldBeNull();
    }
}
