using AlexNet.Experiments.Domain.Storage;
using AlexNet.Experiments.Host.Tests.Results;
using Microsoft.Extensions.DependencyInjection;
using PuppeteerSharp;

namespace AlexNet.Experiments.Host.Tests.Datasets;

/// <summary>The datasets page, its register form and a dataset's page, in Debian's chromium against the shared host.</summary>
[Collection(DatasetHostCollection.Name)]
public sealed class DatasetPageTests(DatasetHost host)
{
    private const string AllImagesDecoded = "[...document.querySelectorAll('#samples img')].map(i => i.complete ? i.naturalWidth : -1)";

    [Fact]
    public async Task The_datasets_page_lists_a_dataset_with_its_counts_and_versions_and_links_to_it()
    {
        await using var page = await host.OpenAsync("/");
        await Task.WhenAll(page.WaitForNavigationAsync(), page.ClickAsync("header a[href='/datasets']"));

        var row = await Text(page, $"#datasets tr[data-dataset=\"{host.DatasetId}\"]");
        row.ShouldContain("shapes");
        row.ShouldContain("ImageFolder");
        row.ShouldContain("\t3\t18\t6\t1\t"); // classes, train, validation, skipped (the file that does not decode)
        row.ShouldContain(host.Version.ContentHash[..12] + ", 48 px");
        await page.ScreenshotAsync(Path.Combine(WebAppTests.ScreenshotFolder, "datasets.png"), new ScreenshotOptions { FullPage = true });
        await Task.WhenAll(page.WaitForNavigationAsync(), page.ClickAsync($"tr[data-dataset=\"{host.DatasetId}\"] a"));
        page.Url.ShouldEndWith($"/datasets/{host.DatasetId}");
    }

    [Fact]
    public async Task The_dataset_page_shows_decoded_samples_per_class_and_each_version_mean_image_pca_and_skipped_files()
    {
        await using var page = await host.OpenAsync($"/datasets/{host.DatasetId}");

        var widths = await SampleWidthsAsync(page);
        widths.Length.ShouldBe(DatasetHost.Classes * DatasetHost.TrainPerClass);
        widths.ShouldAllBe(w => w == DatasetHost.SourceImageSize);
        var version = $"section[data-version=\"{host.Version.ContentHash}\"]";
        await page.WaitForFunctionAsync($"() => document.querySelector('{version} .mean-image').complete");
        (await page.EvaluateExpressionAsync<int>($"document.querySelector('{version} .mean-image').naturalWidth")).ShouldBe(DatasetHost.StoredImageSize);
        var pca = await Text(page, $"{version} .pca");
        pca.ShouldContain(host.Version.ColourPca.Eigenvalues[0].ToString("0.00", System.Globalization.CultureInfo.InvariantCulture));
        var skipped = await Text(page, $"{version} .skipped");
        skipped.ShouldContain(DatasetHost.BrokenFile);
        skipped.ShouldContain("not a decodable JPEG or PNG image");
        await page.ScreenshotAsync(Path.Combine(WebAppTests.ScreenshotFolder, "dataset.png"), new ScreenshotOptions { FullPage = true });
    }

    [Fact]
    public async Task Registering_through_the_form_opens_the_new_dataset_with_its_samples()
    {
        await using var page = await host.OpenAsync("/datasets");
        await page.TypeAsync("[name='Registration.SourcePath']", host.MoreShapesSource);
        await page.EvaluateExpressionAsync("document.querySelector(\"[name='Registration.SourcePath']\").dispatchEvent(new Event('change'))");
        (await page.EvaluateExpressionAsync<string>("document.querySelector(\"[name='Registration.Name']\").value")).ShouldBe("more-shapes"); // named after the folder
        await Task.WhenAll(page.WaitForNavigationAsync(), page.ClickAsync("#register button[type=submit]"));

        var datasets = await host.Factory.Services.GetRequiredService<IDatasetStore>().ListDatasetsAsync(CancellationToken.None);
        var registered = datasets.Single(d => d.SourcePath == host.MoreShapesSource);
        registered.Name.ShouldBe("more-shapes");
        page.Url.ShouldEndWith($"/datasets/{registered.Id}");
        (await Text(page, "h1")).ShouldContain("more-shapes");
        (await page.QuerySelectorAsync("#no-versions")).ShouldNotBeNull();
        (await SampleWidthsAsync(page)).ShouldBe(Enumerable.Repeat(DatasetHost.SourceImageSize, 2 * 3).ToArray());
    }

    [Fact]
    public async Task A_refused_registration_shows_each_error_next_to_its_field_and_stores_nothing()
    {
        var before = StoredRows.Count(host.Factory.ResultsDatabasePath);
        await using var page = await host.OpenAsync("/datasets");

        await page.TypeAsync("[name='Registration.Name']", "outside");
        await page.TypeAsync("[name='Registration.SourcePath']", "/etc");
        await Task.WhenAll(page.WaitForNavigationAsync(), page.ClickAsync("#register button[type=submit]"));
        (await ErrorNextTo(page, "Registration.SourcePath")).ShouldBe("No dataset folder '/etc' under the configured dataset roots (AlexNet:DatasetRoots).");
        (await ErrorNextTo(page, "Registration.Name")).ShouldBeEmpty();
        (await page.EvaluateExpressionAsync<string>("document.querySelector(\"[name='Registration.SourcePath']\").value")).ShouldBe("/etc"); // kept to correct

        await page.EvaluateExpressionAsync("document.querySelector(\"[name='Registration.Name']\").value = ''");
        await page.EvaluateExpressionAsync($"document.querySelector(\"[name='Registration.SourcePath']\").value = '{host.LooseFiles}'");
        await Task.WhenAll(page.WaitForNavigationAsync(), page.ClickAsync("#register button[type=submit]"));
        (await ErrorNextTo(page, "Registration.Name")).ShouldBe("'Name' must not be empty.");

        // The API takes formats by name, not number; so does the form.
        await page.EvaluateExpressionAsync("(s => { s.add(new Option('1', '1')); s.value = '1'; })(document.querySelector(\"[name='Registration.Format']\"))");
        await Task.WhenAll(page.WaitForNavigationAsync(), page.ClickAsync("#register button[type=submit]"));
        (await ErrorNextTo(page, "Registration.Format")).ShouldBe("'1' is not a dataset format.");

        StoredRows.Count(host.Factory.ResultsDatabasePath).ShouldBe(before);
    }

    /// <summary>Waits for every sample image to load or fail, then gives each one's decoded width (0 when it did not decode).</summary>
    private static async Task<int[]> SampleWidthsAsync(IPage page)
    {
        await page.WaitForFunctionAsync($"() => {AllImagesDecoded}.every(w => w >= 0)");
        return await page.EvaluateExpressionAsync<int[]>(AllImagesDecoded);
    }

    private static Task<string> ErrorNextTo(IPage page, string field) =>
        page.EvaluateExpressionAsync<string>($"document.querySelector(\"[name='{field}']\").parentElement.querySelector('.error').innerText");

    private static Task<string> Text(IPage page, string selector) =>
        page.EvaluateExpressionAsync<string>($"document.querySelector('{selector}').innerText");
}
