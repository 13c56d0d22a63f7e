using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

[assembly: CollectionBehavior(DisableTestParallelization = true)] // Hangfire keeps its storage in a static

namespace AlexNet.Experiments.Host.Tests;

/// <summary>The real host (SQLite files, Hangfire on SQLite, TorchSharp) in a temporary data folder.</summary>
public sealed class HostFactory : WebApplicationFactory<Program>
{
    private readonly Action<IServiceCollection>? replaceServices;
    private readonly IReadOnlyDictionary<string, string> settings;

    public HostFactory(Action<IServiceCollection>? replaceServices = null, IReadOnlyDictionary<string, string>? settings = null)
    {
        this.replaceServices = replaceServices;
        this.settings = settings ?? new Dictionary<string, string>();
        DataDirectory = Path.Combine(Path.GetTempPath(), "alexnet-host-tests", Guid.NewGuid().ToString("N"));
    }

    public string DataDirectory { get; }

    public string ResultsDatabasePath => Path.Combine(DataDirectory, "results.db");

    /// <summary>The default dataset root (AlexNet:DatasetRoots): register test sources under it, or pass other roots in settings.</summary>
    public string SourcesDirectory => Path.Combine(DataDirectory, "sources");

    /// <summary>
    /// Writes the smallest source registration accepts: one class, one decodable 4x4 PNG in each split. Enough for requests that
    /// must be refused, or accepted, before anything trains.
    /// </summary>
    public string WriteOneImageSource()
    {
        var source = Path.Combine(SourcesDirectory, "one-image");
        foreach (var split in new[] { "train", "val" })
        {
            Directory.CreateDirectory(Path.Combine(source, split, "a"));
            using var bitmap = new SkiaSharp.SKBitmap(4, 4);
            bitmap.Erase(SkiaSharp.SKColors.Teal);
            using var png = bitmap.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);
            File.WriteAllBytes(Path.Combine(source, split, "a", "0.png"), png.ToArray());
        }

        return source;
    }

    public async Task<string> RegisterOneImageDatasetAsync(HttpClient client)
    {
        var (response, dataset) = await client.PostAsync("/api/datasets", $$"""{ "name": "one image", "sourcePath": "{{WriteOneImageSource()}}" }""");
        response.EnsureSuccessStatusCode();
        return dataset!["id"]!.GetValue<string>();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("AlexNet:DataDirectory", DataDirectory);
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }

        if (replaceServices is not null)
        {
            builder.ConfigureTestServices(replaceServices);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // a file still held open by a background thread; the temp folder is cleaned by the OS
        }
    }
}
