using PuppeteerSharp;

namespace AlexNet.Experiments.Host.Tests.Results;

/// <summary>
/// The New study form and the study page's parallel coordinates and sortable tables, in Debian's chromium against the real host
/// (Kestrel, Hangfire, TorchSharp) on the tiny generated dataset of <see cref="NewExperimentTests.BrowserHost"/>: one host and one
/// browser serve both tests.
/// </summary>
public sealed class NewStudyTests(NewExperimentTests.BrowserHost host) : IClassFixture<NewExperimentTests.BrowserHost>
{
    private const string Lrn = "model.lrn.enabled";

    [Fact]
    public async Task A_two_cell_study_started_from_the_form_runs_both_cells_and_its_page_plots_each_run_and_sorts_its_tables()
    {
        await using var page = await OpenFormAsync();
        await TypeAsync(page, "#study-name", "lrn on and off");
        await TypeAsync(page, "[name='hyperparameters.epochs']", "1");
        await TypeAsync(page, "[name='hyperparameters.batchSize']", "16");
        await TypeAsync(page, "[name='hyperparameters.model.widthMultiplier']", "0.125");
        await TypeAsync(page, "[name='hyperparameters.data.imageSize']", "72");
        await TypeAsync(page, "#grid-path", Lrn);
        await TypeAsync(page, "#grid-values", "true, false");
        await TypeAsync(page, "#seeds", "7");
        await page.Keyboard.PressAsync("Tab"); // the change event: the count and estimate follow
        await EstimatedAsync(page);
        (await Text(page, "#run-count")).ShouldBe("2 cells × 1 seed = 2 runs.");
        (await Text(page, "#estimate-figures")).ShouldContain($"about {2 * 60:N0} images through training"); // 2 runs × 1 epoch × 48 + 12 images
        await page.ScreenshotAsync(Path.Combine(WebAppTests.ScreenshotFolder, "new-study.png"), new ScreenshotOptions { FullPage = true });

        await Task.WhenAll(page.WaitForNavigationAsync(), page.ClickAsync("#submit"));
        page.Url.ShouldStartWith($"{host.Site}/studies/");
        var statuses = await WhenFinishedAsync(page);
        statuses.ShouldBe(["Succeeded", "Succeeded"]);
        (await Column(page, "#cells", 0)).ShouldBe(["true", "false"]);

        (await page.QuerySelectorAllAsync("#parallel-coordinates polyline")).Length.ShouldBe(2);
        var axes = await page.EvaluateExpressionAsync<string[]>("[...document.querySelectorAll('#parallel-coordinates .axis')].map(a => a.dataset.path)");
        axes.ShouldBe([Lrn, "error"]);
        await page.ScreenshotAsync(Path.Combine(WebAppTests.ScreenshotFolder, "study-from-form.png"), new ScreenshotOptions { FullPage = true });

        // The runs table: the varied path as text, then the error as numbers, each click on a header re-sorting in place.
        await page.ClickAsync("#rows tr:first-child th:nth-child(2)");
        (await Column(page, "#rows", 1)).ShouldBe(["false", "true"]);
        await page.ClickAsync("#rows tr:first-child th:nth-child(2)");
        (await Column(page, "#rows", 1)).ShouldBe(["true", "false"]);
        int errorColumn = 6; // run, path, seed, status, epochs, eval top-1
        await page.ClickAsync($"#rows tr:first-child th:nth-child({errorColumn})");
        var ascending = (await Column(page, "#rows", errorColumn - 1)).Select(Percent).ToList();
        ascending.ShouldBeInOrder(SortDirection.Ascending);
        await page.ClickAsync($"#rows tr:first-child th:nth-child({errorColumn})");
        (await Column(page, "#rows", errorColumn - 1)).Select(Percent).ShouldBe(Enumerable.Reverse(ascending));
    }

    [Fact]
    public async Task An_invalid_study_shows_the_error_next_to_its_field_and_stores_nothing()
    {
        var before = StudiesExperimentsAndRuns();
        await using var page = await OpenFormAsync();
        await TypeAsync(page, "#study-name", "refused");

        await page.EvaluateExpressionAsync("document.getElementById('seeds').value = ''");
        await page.ClickAsync("#submit");
        (await ErrorAsync(page, "seeds")).ShouldBe("At least one seed; leave seeds out to use the preset's.");

        await TypeAsync(page, "#seeds", "1");
        await page.ClickAsync("#add-variant");
        await TypeAsync(page, ".variant-name", "typo");
        await TypeAsync(page, ".variant-overrides", """{ "model": { "lnr": { "enabled": false } } }""");
        await page.ClickAsync("#submit");
        (await ErrorAsync(page, "grid['variant']['typo']")).ShouldBe("model.lnr: Unknown field.");
        (await Text(page, "[data-error-for=seeds]")).ShouldBeEmpty();

        await page.ClickAsync(".remove-variant");
        await TypeAsync(page, "#grid-path", "model.nosuch");
        await TypeAsync(page, "#grid-values", "1, 2");
        await page.ClickAsync("#submit");
        (await ErrorAsync(page, "grid['model.nosuch']")).ShouldStartWith("No hyperparameter has this path");

        page.Url.ShouldEndWith("/studies/new");
        StudiesExperimentsAndRuns().ShouldBe(before);
    }

    private async Task<IPage> OpenFormAsync()
    {
        var page = await host.OpenAsync("/studies/new");
        (await page.EvaluateExpressionAsync<string>("document.getElementById('dataset').value")).ShouldBe(host.DatasetId);
        await EstimatedAsync(page);
        return page;
    }

    private static async Task EstimatedAsync(IPage page)
    {
        await page.WaitForFunctionAsync("() => document.getElementById('estimate').getAttribute('aria-busy') === 'false'");
        (await Text(page, "#estimate-figures")).ShouldStartWith("Compute: about");
    }

    /// <summary>The study page reloads itself every 5 s while a run is active; reads its runs' statuses until none is.</summary>
    private static async Task<string[]> WhenFinishedAsync(IPage page)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        string[] statuses = [];
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                statuses = await page.EvaluateExpressionAsync<string[]>("[...document.querySelectorAll('#rows .status')].map(s => s.textContent)");
                if (statuses.Length > 0 && statuses.All(s => s is "Succeeded" or "Failed" or "Cancelled" or "Diverged"))
                {
                    return statuses;
                }
            }
            catch (PuppeteerException)
            {
                // the page was reloading
            }

            await Task.Delay(500);
        }

        throw new TimeoutException($"The study's runs did not finish: {string.Join(", ", statuses)}");
    }

    private static async Task<string> ErrorAsync(IPage page, string key)
    {
        string selector = $"[data-error-for=\"{key}\"]";
        await page.WaitForFunctionAsync($"() => document.querySelector({System.Text.Json.JsonSerializer.Serialize(selector)}).textContent !== ''");
        return await Text(page, selector);
    }

    private Dictionary<string, long> StudiesExperimentsAndRuns() =>
        StoredRows.Count(host.Factory.ResultsDatabasePath).Where(t => t.Key is "Studies" or "StudyRuns" or "Experiments" or "Runs").ToDictionary();

    private static Task<string[]> Column(IPage page, string table, int column) =>
        page.EvaluateExpressionAsync<string[]>($"[...document.querySelector('{table}').rows].slice(1).map(r => r.cells[{column}].textContent.trim())");

    private static double Percent(string text) => double.Parse(text.TrimEnd('%'), System.Globalization.CultureInfo.InvariantCulture);

    private static async Task TypeAsync(IPage page, string selector, string value)
    {
        await page.EvaluateExpressionAsync($"document.querySelector({System.Text.Json.JsonSerializer.Serialize(selector)}).value = ''");
        await page.TypeAsync(selector, value);
    }

    private static Task<string> Text(IPage page, string selector) =>
        page.EvaluateExpressionAsync<string>($"document.querySelector({System.Text.Json.JsonSerializer.Serialize(selector)}).innerText");
}
