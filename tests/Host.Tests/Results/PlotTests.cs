using System.Buffers.Binary;
using System.Net;
using System.Xml.Linq;
using Microsoft.Extensions.DependencyInjection;

namespace AlexNet.Experiments.Host.Tests.Results;

public sealed class PlotTests : IAsyncLifetime
{
    private readonly HostFactory factory = new();
    private HttpClient client = null!;
    private FinishedRuns runs = null!;

    public async Task InitializeAsync()
    {
        client = factory.CreateClient();
        runs = await FinishedRuns.SeedAsync(factory.Services);
    }

    public async Task DisposeAsync() => await factory.DisposeAsync();

    [Theory]
    [InlineData("loss", "cross-entropy loss")]
    [InlineData("top1", "top-1 error")]
    [InlineData("top5", "top-5 error")]
    public async Task A_curve_is_an_svg_with_axis_labels_both_series_and_the_learning_rate_drop(string name, string axis)
    {
        var response = await client.GetAsync($"/api/runs/{runs.Baseline}/plots/{name}.svg");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("image/svg+xml");
        var text = Texts(XDocument.Parse(await response.Content.ReadAsStringAsync()));
        text.ShouldContain("epoch");
        text.ShouldContain(axis);
        text.ShouldContain("train");
        text.ShouldContain("validation");
        text.ShouldContain("lr 0.0003");
    }

    [Fact]
    public async Task The_confusion_matrix_names_the_classes_and_shows_the_counts()
    {
        var text = Texts(XDocument.Parse(await client.GetStringAsync($"/api/runs/{runs.Baseline}/plots/confusion.svg")));

        text.ShouldContain("predicted class");
        text.ShouldContain("true class");
        text.ShouldContain("triangle");
        text.ShouldContain("4"); // square classified right four times
    }

    [Fact]
    public async Task The_kernels_are_one_image_of_tiles_from_the_checkpoint()
    {
        var response = await client.GetAsync($"/api/runs/{runs.Baseline}/plots/kernels.png");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var (width, height) = PngSize(await response.Content.ReadAsByteArrayAsync());

        // 12 conv1 kernels of 11x11 (width 0.125) drawn 4x in one row of tiles with 1-pixel gaps
        (width, height).ShouldBe((12 * 45 + 1, 45 + 1));
    }

    [Theory]
    [InlineData("top1")]
    [InlineData("confusion")]
    public async Task A_png_has_the_signature_and_the_plot_size(string name)
    {
        var response = await client.GetAsync($"/api/runs/{runs.Baseline}/plots/{name}.png");

        response.Content.Headers.ContentType!.MediaType.ShouldBe("image/png");
        var size = PngSize(await response.Content.ReadAsByteArrayAsync());
        size.ShouldBe(name == "confusion" ? (700, 600) : (800, 500));
    }

    [Fact]
    public async Task A_comparison_overlays_the_runs()
    {
        var response = await client.GetAsync($"/api/runs/compare/plots/top1.svg?ids={runs.Baseline},{runs.NoLrn}");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var text = Texts(XDocument.Parse(await response.Content.ReadAsStringAsync()));
        text.ShouldContain($"baseline {runs.Baseline.ToString()[..8]}");
        text.ShouldContain($"no-lrn {runs.NoLrn.ToString()[..8]}");
    }

    [Theory]
    [InlineData("/api/runs/{0}/plots/accuracy.svg")]
    [InlineData("/api/runs/{0}/plots/top1.gif")]
    [InlineData("/api/runs/{1}/plots/top1.svg")]
    [InlineData("/api/runs/{1}/plots/kernels.png")]
    [InlineData("/api/runs/compare/plots/top1.svg?ids={0},{1}")]
    [InlineData("/api/runs/compare/plots/confusion.svg?ids={0}")]
    public async Task Unknown_plots_and_runs_are_404(string template)
    {
        var response = await client.GetAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, template, runs.Baseline, Guid.NewGuid()));

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_comparison_with_a_bad_id_is_a_400_naming_ids()
    {
        var response = await client.GetAsync($"/api/runs/compare/plots/top1.svg?ids={runs.Baseline},nope");

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).ShouldContain("\"ids[1]\"");
    }

    private static string Texts(XDocument svg) => string.Join(" | ", svg.Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value));

    private static (int Width, int Height) PngSize(byte[] png)
    {
        png[..8].ShouldBe(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A });
        return (BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
    }
}
