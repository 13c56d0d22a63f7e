using System.Net;
using System.Text.Json.Nodes;
using SkiaSharp;

namespace AlexNet.Experiments.Host.Tests.Datasets;

/// <summary>The dataset endpoints the pages read: source folders, sample images decoded from the source, a version's mean image.</summary>
[Collection(DatasetHostCollection.Name)]
public sealed class DatasetApiTests(DatasetHost host)
{
    private HttpClient Client => host.Client;

    private string Dataset => $"/api/datasets/{host.DatasetId}";

    [Fact]
    public async Task Sources_lists_the_folders_under_the_roots_with_their_layout_and_registration()
    {
        var folders = (await Client.GetJsonAsync("/api/datasets/sources")).AsArray().Select(f => f!).ToDictionary(f => f["path"]!.GetValue<string>());

        var shapes = folders[host.ShapesSource];
        shapes["format"]!.GetValue<string>().ShouldBe("ImageFolder");
        shapes["datasetId"]!.GetValue<Guid>().ShouldBe(host.DatasetId);
        shapes["root"]!.GetValue<string>().ShouldBe(host.Factory.SourcesDirectory);
        folders[host.MoreShapesSource]["format"]!.GetValue<string>().ShouldBe("ImageFolder");
        folders[host.LooseFiles]["format"].ShouldBeNull();
        folders[host.LooseFiles]["datasetId"].ShouldBeNull();
    }

    [Fact]
    public async Task A_sample_is_the_source_image_decoded_and_served_as_png()
    {
        var response = await Client.GetAsync($"{Dataset}/samples/2/5.png");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("image/png");
        using var image = SKBitmap.Decode(await response.Content.ReadAsByteArrayAsync());
        image.Width.ShouldBe(DatasetHost.SourceImageSize); // smaller than a sample's 96 px, so not scaled up
        image.Height.ShouldBe(DatasetHost.SourceImageSize);
    }

    [Theory]
    [InlineData("-1/0", "classIndex")]
    [InlineData("0/-1", "k")]
    [InlineData("0/8", "k")]
    public async Task An_index_out_of_bounds_is_a_400_naming_it(string indices, string field)
    {
        var (errors, _) = await ProblemAsync($"{Dataset}/samples/{indices}.png", HttpStatusCode.BadRequest);

        errors!.AsObject().Select(e => e.Key).ShouldBe([field]);
    }

    [Theory]
    [InlineData("3/0", "The source has 3 classes (0 to 2); there is no class 3.")]
    [InlineData("1/6", "offers 6 samples (0 to 5); there is no sample 6.")]
    [InlineData("0/6", DatasetHost.BrokenFile + ": not a decodable JPEG or PNG image")]
    public async Task A_sample_the_source_does_not_have_is_a_404_saying_why(string indices, string detail)
    {
        var (_, text) = await ProblemAsync($"{Dataset}/samples/{indices}.png", HttpStatusCode.NotFound);

        text.ShouldContain(detail);
    }

    [Fact]
    public async Task An_unknown_dataset_has_no_samples_and_no_mean_image()
    {
        var unknown = Guid.NewGuid();
        (await ProblemAsync($"/api/datasets/{unknown}/samples/0/0.png", HttpStatusCode.NotFound)).Text.ShouldContain(unknown.ToString());
        (await ProblemAsync($"/api/datasets/{unknown}/versions/{host.Version.ContentHash}/mean.png", HttpStatusCode.NotFound)).Text.ShouldContain(unknown.ToString());
    }

    [Fact]
    public async Task A_version_mean_image_is_a_png_of_the_stored_size()
    {
        var response = await Client.GetAsync($"{Dataset}/versions/{host.Version.ContentHash}/mean.png");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        using var image = SKBitmap.Decode(await response.Content.ReadAsByteArrayAsync());
        image.Width.ShouldBe(DatasetHost.StoredImageSize);
        image.Height.ShouldBe(DatasetHost.StoredImageSize);
        image.Pixels.Select(p => p.Red).Distinct().Count().ShouldBeGreaterThan(1); // an average of images, not a blank

        var missing = new string('0', 64);
        (await ProblemAsync($"{Dataset}/versions/{missing}/mean.png", HttpStatusCode.NotFound)).Text.ShouldContain($"no preprocessed version '{missing}'");
    }

    private async Task<(JsonNode? Errors, string Text)> ProblemAsync(string url, HttpStatusCode expected)
    {
        var response = await Client.GetAsync(url);
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(expected, text);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        return (JsonNode.Parse(text)!["errors"], text);
    }
}
