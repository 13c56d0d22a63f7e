using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Storage;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using PuppeteerSharp;

namespace AlexNet.Experiments.Host.Tests.Datasets;

[CollectionDefinition(Name)]
public sealed class DatasetHostCollection : ICollectionFixture<DatasetHost>
{
    public const string Name = "dataset host";
}

/// <summary>
/// One host on Kestrel and one chromium for the dataset API and page tests. Under the dataset root: <c>shapes</c> (3 classes of
/// 6 synthetic JPEGs, class 0 with a seventh file that does not decode), registered and preprocessed once by the real
/// preprocessor; <c>more-shapes</c>, not registered (the form test registers it); <c>loose-files</c>, a folder of no known layout.
/// </summary>
public sealed class DatasetHost : IAsyncLifetime
{
    public const int Classes = 3, TrainPerClass = 6, ValidationPerClass = 2, SourceImageSize = 64, StoredImageSize = 48;
    public const string BrokenFile = "zz-broken.jpg";

    private readonly string profile = Path.Combine(Path.GetTempPath(), "alexnet-chromium-" + Guid.NewGuid().ToString("N"));

    public HostFactory Factory { get; } = new(settings: new Dictionary<string, string> { ["urls"] = "http://127.0.0.1:0" });
    public HttpClient Client { get; private set; } = null!;
    public string Site { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;
    public Guid DatasetId { get; private set; }
    public DatasetVersion Version { get; private set; } = null!;
    public string ShapesSource => Path.Combine(Factory.SourcesDirectory, "shapes");
    public string MoreShapesSource => Path.Combine(Factory.SourcesDirectory, "more-shapes");
    public string LooseFiles => Path.Combine(Factory.SourcesDirectory, "loose-files");

    public async Task InitializeAsync()
    {
        Factory.UseKestrel(0);
        Factory.StartServer();
        Site = Factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        Client = new HttpClient { BaseAddress = new Uri(Site) };

        var generator = Factory.Services.GetRequiredService<ISyntheticDatasetGenerator>();
        await generator.GenerateAsync(new SyntheticDatasetSpec(Classes, TrainPerClass, ValidationPerClass, SourceImageSize, Seed: 5), ShapesSource, CancellationToken.None);
        await generator.GenerateAsync(new SyntheticDatasetSpec(2, 3, 1, SourceImageSize, Seed: 6), MoreShapesSource, CancellationToken.None);
        var firstClass = Directory.GetDirectories(Path.Combine(ShapesSource, "train")).Order(StringComparer.Ordinal).First();
        await File.WriteAllTextAsync(Path.Combine(firstClass, BrokenFile), "not an image");
        Directory.CreateDirectory(LooseFiles);
        await File.WriteAllTextAsync(Path.Combine(LooseFiles, "notes.txt"), "no dataset here");

        var (registered, dataset) = await Client.PostAsync("/api/datasets", $$"""{ "name": "shapes", "sourcePath": "{{ShapesSource}}" }""");
        registered.EnsureSuccessStatusCode();
        DatasetId = dataset!["id"]!.GetValue<Guid>();
        Version = await PreprocessAsync(DatasetId);

        Browser = await Chromium.LaunchAsync(profile);
    }

    /// <summary>Plans, decodes and merges a version as a run's preprocessing steps do, without a run, and stores it.</summary>
    private async Task<DatasetVersion> PreprocessAsync(Guid datasetId)
    {
        var services = Factory.Services;
        var preprocessor = services.GetRequiredService<IDatasetPreprocessor>();
        var storeRoot = services.GetRequiredService<IArtifactStore>().DatasetStoreRoot;
        var datasets = services.GetRequiredService<IDatasetStore>();
        var dataset = (await datasets.GetDatasetAsync(datasetId, CancellationToken.None))!;
        var plan = await preprocessor.PlanAsync(dataset, new PreprocessingSettings(StoredImageSize), storeRoot, null, CancellationToken.None);
        for (int shard = 0; shard < plan.Shards; shard++)
        {
            await preprocessor.PreprocessShardAsync(dataset, storeRoot, plan.ContentHash, shard, null, CancellationToken.None);
        }

        var version = await preprocessor.MergeAsync(dataset, storeRoot, plan.ContentHash, CancellationToken.None);
        await datasets.AddDatasetVersionAsync(version, CancellationToken.None);
        return version;
    }

    public async Task<IPage> OpenAsync(string path)
    {
        var page = await Browser.NewPageAsync();
        await page.SetViewportAsync(new ViewPortOptions { Width = 1400, Height = 1000 });
        var response = await page.GoToAsync(Site + path, WaitUntilNavigation.Load);
        response.Status.ShouldBe(System.Net.HttpStatusCode.OK);
        return page;
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
            Browser.Dispose();
        }

        Client?.Dispose();
        await Factory.DisposeAsync();
        try
        {
            Directory.Delete(profile, recursive: true);
        }
        catch (IOException)
        {
            // chromium may still be writing its profile as it exits; the temp folder is cleaned by the OS
        }
    }
}
