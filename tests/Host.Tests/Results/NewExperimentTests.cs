using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Storage;
using AlexNet.Experiments.Infrastructure.Storage;
using AlexNet.Experiments.Tests.Shared;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using PuppeteerSharp;

namespace AlexNet.Experiments.Host.Tests.Results;

/// <summary>
/// The New experiment form, "Run again with changes…" and live progress, in Debian's chromium against the real host (Kestrel,
/// Hangfire, TorchSharp) with a tiny generated dataset. One host and one browser serve every test.
/// </summary>
public sealed class NewExperimentTests(NewExperimentTests.BrowserHost host) : IClassFixture<NewExperimentTests.BrowserHost>
{
    public sealed class BrowserHost : IAsyncLifetime
    {
        private readonly string profile = Path.Combine(Path.GetTempPath(), "alexnet-chromium-" + Guid.NewGuid().ToString("N"));

        public HostFactory Factory { get; } = new(settings: new Dictionary<string, string> { ["urls"] = "http://127.0.0.1:0" });
        public HttpClient Client { get; private set; } = null!;
        public IBrowser Browser { get; private set; } = null!;
        public string Site { get; private set; } = null!;
        public string DatasetId { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Factory.UseKestrel(0);
            Factory.StartServer();
            Site = Factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            Client = new HttpClient { BaseAddress = new Uri(Site) };
            var source = Path.Combine(Factory.SourcesDirectory, "tiny");
            await Factory.Services.GetRequiredService<ISyntheticDatasetGenerator>()
                .GenerateAsync(new SyntheticDatasetSpec(Classes: 3, TrainPerClass: 16, ValidationPerClass: 4, ImageSize: 80, Seed: 5), source, CancellationToken.None);
            var (_, dataset) = await Client.PostAsync("/api/datasets", $$"""{ "name": "tiny shapes", "sourcePath": "{{source}}" }""");
            DatasetId = dataset!["id"]!.GetValue<string>();
            Browser = await Chromium.LaunchAsync(profile);
        }

        public async Task<IPage> OpenAsync(string path)
        {
            var page = await Browser.NewPageAsync();
            await page.SetViewportAsync(new ViewPortOptions { Width = 1400, Height = 900 });
            (await page.GoToAsync(Site + path, WaitUntilNavigation.Load)).Status.ShouldBe(HttpStatusCode.OK);
            return page;
        }

        public async Task DisposeAsync()
        {
            await Browser.CloseAsync();
            Browser.Dispose();
            Client.Dispose();
            await Factory.DisposeAsync();
            try
            {
                Directory.Delete(profile, recursive: true);
            }
            catch (IOException)
            {
                // chromium may still be writing its profile as it exits
            }
        }
    }

    private const string LearningRate = "hyperparameters.optimizer.learningRate";

    [Fact]
    public async Task A_valid_experiment_submitted_through_the_form_runs_and_its_page_and_the_runs_list_show_progress_advancing_without_a_reload()
    {
        await using var page = await OpenFormAsync("/experiments/new");
        (await Value(page, "hyperparameters.model.widthMultiplier")).ShouldBe("0.25"); // the quickstart preset, every field
        await SetAsync(page, "experiment-name", "from the form", byId: true);
        // Short epochs, and more than a fast machine gets through while the page is read twice; the test cancels the run afterwards.
        await SetAsync(page, "hyperparameters.epochs", "200");
        await SetAsync(page, "hyperparameters.batchSize", "4");
        await SetAsync(page, "hyperparameters.model.widthMultiplier", "0.125");
        await SetAsync(page, "hyperparameters.data.imageSize", "72");
        await page.Keyboard.PressAsync("Tab"); // the change event: the estimate follows the new figures
        await EstimatedAsync(page);
        await page.EvaluateExpressionAsync("document.activeElement.blur()");
        await page.ScreenshotAsync(Path.Combine(WebAppTests.ScreenshotFolder, "new-experiment.png"), new ScreenshotOptions { FullPage = true });

        await Task.WhenAll(page.WaitForNavigationAsync(), page.ClickAsync("#submit"));
        page.Url.ShouldStartWith($"{host.Site}/runs/");
        string runId = page.Url.Split('/')[^1];
        try
        {
            var hyperparameters = (await host.Client.GetJsonAsync($"/api/runs/{runId}"))["hyperparameters"]!;
            hyperparameters["epochs"]!.GetValue<int>().ShouldBe(200);
            hyperparameters["model"]!["widthMultiplier"]!.GetValue<double>().ShouldBe(0.125);

            // The page was loaded before training; from here on only its script changes it: no navigation (the marker survives).
            await page.EvaluateExpressionAsync("window.loadedOnce = true");
            var waitForTraining = new WaitForFunctionOptions { Timeout = 60_000, PollingInterval = 200 };
            await page.WaitForFunctionAsync("() => document.querySelector('#run-progress [data-live=phase]').textContent === 'training'", waitForTraining);
            await ShouldAdvanceInPlaceAsync(page, "#run-progress", "imagesDone");
            (await Text(page, "#run-status")).ShouldBe("Training");

            // The runs list, too: the run's row changes in place.
            await using var list = await host.OpenAsync("/");
            await list.EvaluateExpressionAsync("window.loadedOnce = true");
            await ShouldAdvanceInPlaceAsync(list, $"tr[data-run=\"{runId}\"] [data-live-figures]", "batch");
        }
        finally
        {
            await host.Client.PostAsync($"/api/runs/{runId}/cancel", "");
        }
    }

    [Fact]
    public async Task An_invalid_experiment_shows_the_error_next_to_its_field_and_stores_nothing()
    {
        await using var page = await OpenFormAsync("/experiments/new");
        await SetAsync(page, "experiment-name", "negative rate", byId: true);
        var before = ExperimentsAndRuns();

        await SetAsync(page, LearningRate, "-1");
        await page.ClickAsync("#submit");
        await page.WaitForFunctionAsync($"() => document.querySelector('[data-error-for=\"{LearningRate}\"]').textContent.includes('greater than')");

        var error = await page.EvaluateExpressionAsync<string>(
            $"document.querySelector('[name=\"{LearningRate}\"]').closest('label').querySelector('.error').textContent");
        error.ShouldContain("Learning Rate' must be greater than '0'");
        (await page.EvaluateExpressionAsync<string>($"document.querySelector('[name=\"{LearningRate}\"]').getAttribute('aria-invalid')")).ShouldBe("true");
        page.Url.ShouldEndWith("/experiments/new");
        ExperimentsAndRuns().ShouldBe(before);
    }

    [Fact]
    public async Task Run_again_with_changes_opens_the_form_filled_from_the_runs_record_and_submits_the_change()
    {
        var seeded = await SeedFinishedRunAsync();
        await using var page = await host.OpenAsync($"/runs/{seeded}");
        await Task.WhenAll(page.WaitForNavigationAsync(), page.ClickAsync("#run-again"));
        page.Url.ShouldEndWith($"/experiments/new?fromRun={seeded}");

        (await Value(page, "experiment-name", byId: true)).ShouldBe("lrn on");
        (await Value(page, "dataset", byId: true)).ShouldBe(host.DatasetId);
        (await Value(page, "preset", byId: true)).ShouldBe("quickstart");
        (await Value(page, "hyperparameters.seed")).ShouldBe("42");
        (await Value(page, "hyperparameters.model.widthMultiplier")).ShouldBe("0.125");
        (await Value(page, "hyperparameters.model.lrn.alpha")).ShouldBe("0.05");
        (await page.EvaluateExpressionAsync<bool>("document.querySelector('[name=\"hyperparameters.model.lrn.enabled\"]').checked")).ShouldBeTrue();

        await page.ClickAsync("[name=\"hyperparameters.model.lrn.enabled\"]");
        await SetAsync(page, "experiment-name", "lrn off", byId: true);
        await Task.WhenAll(page.WaitForNavigationAsync(), page.ClickAsync("#submit"));
        string runId = page.Url.Split('/')[^1];
        await host.Client.PostAsync($"/api/runs/{runId}/cancel", "");

        var submitted = await host.Client.GetJsonAsync($"/api/runs/{runId}");
        submitted["run"]!["experimentName"]!.GetValue<string>().ShouldBe("lrn off");
        var expected = HyperparameterJson.ToCanonicalJson(Seeded with { Model = Seeded.Model with { Lrn = Seeded.Model.Lrn with { Enabled = false } } });
        HyperparameterJson.ToCanonicalJson(HyperparameterJson.FromJson(submitted["hyperparameters"]!.ToJsonString())).ShouldBe(expected);
    }

    private static readonly Hyperparameters Seeded = HyperparameterJson.Merge(
        HyperparameterPresets.All[HyperparameterPresets.Quickstart],
        JsonNode.Parse("""{ "seed": 42, "epochs": 2, "model": { "widthMultiplier": 0.125, "lrn": { "alpha": 0.05 } } }""")!.AsObject());

    /// <summary>A finished run on the fixture's dataset, stored without training: the form reads only its record.</summary>
    private async Task<Guid> SeedFinishedRunAsync()
    {
        var store = host.Factory.Services.GetRequiredService<ResultsStore>();
        var experiment = new Experiment(Guid.NewGuid(), "lrn on", Guid.Parse(host.DatasetId), HyperparameterPresets.Quickstart, DateTimeOffset.UtcNow);
        var run = Run.Queue(experiment.Id, Seeded, DateTimeOffset.UtcNow).With(status: RunStatus.Succeeded, epochsCompleted: 2);
        await store.AddExperimentAsync(experiment, run, CancellationToken.None);
        return run.Id;
    }

    private async Task<IPage> OpenFormAsync(string path)
    {
        var page = await host.OpenAsync(path);
        (await Value(page, "dataset", byId: true)).ShouldBe(host.DatasetId);
        await EstimatedAsync(page);
        return page;
    }

    /// <summary>Waits for the latest estimate's answer: the form is wired and the page's own requests are done.</summary>
    private static async Task EstimatedAsync(IPage page)
    {
        await page.WaitForFunctionAsync("() => document.getElementById('estimate').getAttribute('aria-busy') === 'false'");
        (await Text(page, "#estimate-figures")).ShouldStartWith("Needs about");
    }

    private Dictionary<string, long> ExperimentsAndRuns() =>
        StoredRows.Count(host.Factory.ResultsDatabasePath).Where(t => t.Key is "Experiments" or "Runs").ToDictionary();

    /// <summary>
    /// Reads the progress figures in <paramref name="container"/> twice, the second time once its text has changed, and checks
    /// that the epoch or, within it, <paramref name="withinEpoch"/> went up, with the page loaded once (its marker survives).
    /// </summary>
    private static async Task ShouldAdvanceInPlaceAsync(IPage page, string container, string withinEpoch)
    {
        string read = $"(c => [c.innerText, c.querySelector('[data-live=epoch]').textContent, c.querySelector('[data-live={withinEpoch}]').textContent])"
            + $"(document.querySelector('{container}'))";
        var first = await page.EvaluateExpressionAsync<string[]>(read);
        await page.WaitForFunctionAsync(
            $"() => document.querySelector('{container}').innerText !== {System.Text.Json.JsonSerializer.Serialize(first[0])}",
            new WaitForFunctionOptions { Timeout = 20_000, PollingInterval = 200 });
        var second = await page.EvaluateExpressionAsync<string[]>(read);

        (await page.EvaluateExpressionAsync<bool>("window.loadedOnce === true")).ShouldBeTrue("the page was not reloaded");
        var (before, after) = (Figures(first), Figures(second));
        (after.Epoch > before.Epoch || (after.Epoch == before.Epoch && after.Within > before.Within))
            .ShouldBeTrue($"progress advanced: '{first[0]}' then '{second[0]}'");

        static (int Epoch, int Within) Figures(string[] read) =>
            (int.Parse(read[1], CultureInfo.InvariantCulture), int.Parse(read[2], CultureInfo.InvariantCulture));
    }

    private static string Selector(string name, bool byId) => byId ? $"#{name}" : $"[name=\"{name}\"]";

    private static Task<string> Value(IPage page, string name, bool byId = false) =>
        page.EvaluateExpressionAsync<string>($"document.querySelector('{Selector(name, byId)}').value");

    /// <summary>Types into the field as a user would; the change event fires when the next click moves the focus.</summary>
    private static async Task SetAsync(IPage page, string name, string value, bool byId = false)
    {
        string selector = Selector(name, byId);
        await page.EvaluateExpressionAsync($"document.querySelector('{selector}').value = ''");
        await page.TypeAsync(selector, value);
    }

    private static Task<string> Text(IPage page, string selector) =>
        page.EvaluateExpressionAsync<string>($"document.querySelector('{selector}').innerText");
}
