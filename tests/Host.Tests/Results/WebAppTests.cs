using AlexNet.Experiments.Infrastructure.Storage;
using System.Net;
using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Storage;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using PuppeteerSharp;

namespace AlexNet.Experiments.Host.Tests.Results;

/// <summary>The results pages in Debian's chromium, driven by PuppeteerSharp against the host on real Kestrel; no browser is downloaded.</summary>
public sealed class WebAppTests : IAsyncLifetime
{
    private readonly HostFactory factory = new(settings: new Dictionary<string, string> { ["urls"] = "http://127.0.0.1:0" });
    private readonly string profile = Path.Combine(Path.GetTempPath(), "alexnet-chromium-" + Guid.NewGuid().ToString("N"));
    private FinishedRuns runs = null!;
    private IBrowser browser = null!;
    private string site = null!;

    public static string ScreenshotFolder { get; } = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "screenshots")).FullName;

    public async Task InitializeAsync()
    {
        factory.UseKestrel(0);
        factory.StartServer();
        site = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        runs = await FinishedRuns.SeedAsync(factory.Services);
        browser = await Chromium.LaunchAsync(profile);
    }

    public async Task DisposeAsync()
    {
        await browser.CloseAsync();
        browser.Dispose();
        await factory.DisposeAsync();
        try
        {
            Directory.Delete(profile, recursive: true);
        }
        catch (IOException)
        {
            // chromium may still be writing its profile as it exits; the temp folder is cleaned by the OS
        }
    }

    [Fact]
    public async Task The_runs_list_shows_a_finished_run_with_its_metrics()
    {
        await using var page = await OpenAsync("/");

        var row = await page.EvaluateExpressionAsync<string>($"document.querySelector('tr[data-run=\"{runs.Baseline}\"]').innerText");
        row.ShouldContain("baseline");
        row.ShouldContain("Succeeded");
        row.ShouldContain("30.00%"); // last epoch's validation top-1
        row.ShouldContain("25.00%"); // ten-crop top-1
        await page.ScreenshotAsync(Path.Combine(ScreenshotFolder, "runs.png"), new ScreenshotOptions { FullPage = true });
    }

    [Fact]
    public async Task The_run_page_shows_its_plots_record_confusion_matrix_and_artifacts()
    {
        await using var page = await OpenAsync($"/runs/{runs.Baseline}");

        foreach (var plot in new[] { "plot-top1", "plot-loss", "plot-confusion", "plot-kernels" })
        {
            var sizes = await page.EvaluateExpressionAsync<double[]>(
                $"(i => [i.naturalWidth, i.getBoundingClientRect().width])(document.getElementById('{plot}'))");
            sizes[0].ShouldBeGreaterThan(0, $"{plot} naturalWidth");
            sizes[1].ShouldBeGreaterThan(0, $"{plot} rendered width");
        }

        (await Text(page, "#record")).ShouldContain(runs.BaselineHyperparameters.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture));
        (await Text(page, "#confusion")).ShouldContain("triangle");
        (await Text(page, "#artifacts")).ShouldContain("epoch-003.ckpt");
        (await page.EvaluateExpressionAsync<string>("document.getElementById('hyperparameters').textContent")).ShouldContain("\"widthMultiplier\": 0.125");
        await page.ScreenshotAsync(Path.Combine(ScreenshotFolder, "run.png"), new ScreenshotOptions { FullPage = true });
    }

    [Fact]
    public async Task The_compare_page_shows_the_differing_hyperparameter_and_the_overlaid_plot()
    {
        await using var page = await OpenAsync("/");
        await page.ClickAsync($"input[value=\"{runs.Baseline}\"]");
        await page.ClickAsync($"input[value=\"{runs.NoLrn}\"]");
        await Task.WhenAll(page.WaitForNavigationAsync(), page.ClickAsync("#compare-form button[type=submit]"));

        var differences = await Text(page, "#differences");
        differences.ShouldContain("model.lrn.enabled");
        differences.ShouldContain("true");
        differences.ShouldContain("false");
        differences.ShouldNotContain("model.lrn.alpha"); // the same in both
        (await page.EvaluateExpressionAsync<double>("document.getElementById('plot-compare-top1').naturalWidth")).ShouldBeGreaterThan(0);
        await page.ScreenshotAsync(Path.Combine(ScreenshotFolder, "compare.png"), new ScreenshotOptions { FullPage = true });
    }

    [Fact]
    public async Task The_study_page_shows_mean_and_spread_per_cell_links_to_its_runs_and_the_plot()
    {
        var study = await FinishedStudy.SeedAsync(factory.Services, name: "relu vs tanh");
        await using var list = await OpenAsync("/");
        await Task.WhenAll(list.WaitForNavigationAsync(), list.ClickAsync("header a[href='/studies']"));
        await Task.WhenAll(list.WaitForNavigationAsync(), list.ClickAsync($"tr[data-study=\"{study.StudyId}\"] a"));
        list.Url.ShouldEndWith($"/studies/{study.StudyId}");

        var relu = await Text(list, "#cells tr[data-cell=\"0\"]");
        relu.ShouldContain("ReLU");
        relu.ShouldContain("3 / 3");
        relu.ShouldContain("32.00% ± 2.00%");
        var tanh = await Text(list, "#cells tr[data-cell=\"1\"]");
        tanh.ShouldContain("2 / 3");
        tanh.ShouldContain("55.00% ± 7.07%");
        var links = await list.EvaluateExpressionAsync<string[]>("[...document.querySelectorAll('#rows a')].map(a => a.getAttribute('href'))");
        links.ShouldBe(study.RunIds.Select(id => $"/runs/{id}").ToArray(), ignoreOrder: true);
        (await list.EvaluateExpressionAsync<double>("document.getElementById('plot-study').naturalWidth")).ShouldBeGreaterThan(0);
        await list.ScreenshotAsync(Path.Combine(ScreenshotFolder, "study.png"), new ScreenshotOptions { FullPage = true });

        await Task.WhenAll(list.WaitForNavigationAsync(), list.ClickAsync($"#rows a[href=\"/runs/{study.RunIds[0]}\"]"));
        (await Text(list, "h1")).ShouldContain("relu vs tanh");
    }

    [Fact]
    public async Task The_list_filters_by_a_hyperparameter()
    {
        await using var page = await OpenAsync("/?filter=model.lrn.enabled%3Dfalse");

        var table = await Text(page, "#runs");
        table.ShouldContain("no-lrn");
        table.ShouldNotContain("baseline");
    }

    [Fact]
    public async Task The_cancel_button_cancels_a_queued_run()
    {
        var store = factory.Services.GetRequiredService<ResultsStore>();
        var experiment = new Experiment(Guid.NewGuid(), "to-cancel", runs.DatasetId, "quickstart", DateTimeOffset.UtcNow);
        var queued = Run.Queue(experiment.Id, FinishedRuns.Tiny(lrn: true), DateTimeOffset.UtcNow);
        await store.AddExperimentAsync(experiment, queued, CancellationToken.None); // no job: it stays queued until cancelled

        await using var page = await OpenAsync($"/runs/{queued.Id}");
        (await Text(page, "#run-status")).ShouldBe("Queued");
        await Task.WhenAll(page.WaitForNavigationAsync(), page.ClickAsync("button.danger"));

        (await Text(page, "#run-status")).ShouldBe("Cancelled");
        (await store.GetRunAsync(queued.Id, CancellationToken.None))!.Status.ShouldBe(RunStatus.Cancelled);
        (await page.QuerySelectorAsync("button.danger")).ShouldBeNull(); // nothing left to cancel
    }

    [Fact]
    public async Task The_dashboard_links_back_to_the_results_pages()
    {
        await using var page = await OpenAsync("/hangfire");

        var back = await page.EvaluateExpressionAsync<string>(
            "[...document.querySelectorAll('a')].find(a => a.textContent.includes('Back to site')).getAttribute('href')");
        back.ShouldBe("/");
    }

    private async Task<IPage> OpenAsync(string path)
    {
        var page = await browser.NewPageAsync();
        await page.SetViewportAsync(new ViewPortOptions { Width = 1400, Height = 900 });
        var response = await page.GoToAsync(site + path, WaitUntilNavigation.Load);
        response.Status.ShouldBe(HttpStatusCode.OK);
        return page;
    }

    private static Task<string> Text(IPage page, string selector) =>
        page.EvaluateExpressionAsync<string>($"document.querySelector('{selector}').innerText");
}
