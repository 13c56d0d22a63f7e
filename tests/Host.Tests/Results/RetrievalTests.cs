using AlexNet.Experiments.Tests.Shared;
using AlexNet.Experiments.Infrastructure.Storage;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Storage;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using PuppeteerSharp;

namespace AlexNet.Experiments.Host.Tests.Results;

/// <summary>
/// The paper's Figure 4 end to end: a tiny run trained over HTTP by the real Hangfire jobs, its training features extracted by a
/// job, then neighbours of stored and uploaded images, their PNG URLs, the refusals, and the grid page in chromium.
/// </summary>
public sealed class RetrievalTests(RetrievalTests.TrainedHost host) : IClassFixture<RetrievalTests.TrainedHost>
{
    public sealed class TrainedHost : IAsyncLifetime
    {
        private const string TinyRun = """
            { "epochs": 2, "batchSize": 16, "model": { "widthMultiplier": 0.125 }, "data": { "imageSize": 72 } }
            """;

        public HostFactory Factory { get; } = new(settings: new Dictionary<string, string> { ["urls"] = "http://127.0.0.1:0" });
        public HttpClient Client { get; private set; } = null!;
        public string Site { get; private set; } = null!;
        public string RunId { get; private set; } = null!;
        public HttpStatusCode FirstPostStatus { get; private set; }
        public string? FirstPostLocation { get; private set; }
        public string FirstPostState { get; private set; } = null!;
        public JsonNode Features { get; private set; } = null!;

        /// <summary>A succeeded run without extracted features, and a cancelled one; neither has a preprocessed store.</summary>
        public FinishedRuns Seeded { get; private set; } = null!;
        public Guid CancelledRunId { get; private set; }

        public async Task InitializeAsync()
        {
            Factory.UseKestrel(0);
            Factory.StartServer();
            Site = Factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            Client = new HttpClient { BaseAddress = new Uri(Site) };

            var source = Path.Combine(Factory.SourcesDirectory, "tiny");
            await Factory.Services.GetRequiredService<ISyntheticDatasetGenerator>()
                .GenerateAsync(new SyntheticDatasetSpec(Classes: 3, TrainPerClass: 16, ValidationPerClass: 4, ImageSize: 80, Seed: 5), source, CancellationToken.None);
            var (_, dataset) = await Client.PostAsync("/api/datasets", $$"""{ "name": "tiny", "sourcePath": "{{source}}" }""");
            var (_, submitted) = await Client.PostAsync("/api/experiments",
                $$"""{ "name": "retrieval", "datasetId": "{{dataset!["id"]}}", "preset": "quickstart", "hyperparameters": {{TinyRun}} }""");
            RunId = submitted!["runId"]!.GetValue<string>();
            var run = await Client.WaitForRunAsync(RunId, TimeSpan.FromMinutes(5));
            run["run"]!["status"]!.GetValue<string>().ShouldBe("Succeeded", run.ToJsonString());

            var (posted, status) = await Client.PostAsync($"/api/runs/{RunId}/features?split=train", "");
            FirstPostStatus = posted.StatusCode;
            FirstPostLocation = posted.Headers.Location?.ToString();
            FirstPostState = status!["state"]!.GetValue<string>();
            Features = await WaitForFeaturesAsync($"/api/runs/{RunId}/features/train", TimeSpan.FromMinutes(3));

            Seeded = await FinishedRuns.SeedAsync(Factory.Services);
            var store = Factory.Services.GetRequiredService<ResultsStore>();
            var baseline = (await store.GetRunAsync(Seeded.Baseline, CancellationToken.None))!;
            var cancelled = AlexNet.Experiments.Domain.Experiments.Run.Queue(baseline.ExperimentId, baseline.Hyperparameters, DateTimeOffset.UtcNow).With(status: RunStatus.Cancelled);
            await store.AddRunAsync(cancelled, CancellationToken.None);
            CancelledRunId = cancelled.Id;
        }

        private async Task<JsonNode> WaitForFeaturesAsync(string url, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (true)
            {
                var status = await Client.GetJsonAsync(url);
                var state = status["state"]!.GetValue<string>();
                if (state != "pending")
                {
                    return status;
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"Features still pending after {timeout}: {status.ToJsonString()}");
                }

                await Task.Delay(250);
            }
        }

        public async Task DisposeAsync()
        {
            Client.Dispose();
            await Factory.DisposeAsync();
        }
    }

    private HttpClient Client => host.Client;

    private string Run => $"/api/runs/{host.RunId}";

    [Fact]
    public async Task Features_are_extracted_once_by_a_job_and_listed_as_downloadable_npy_artifacts()
    {
        host.FirstPostStatus.ShouldBe(HttpStatusCode.Accepted);
        host.FirstPostLocation.ShouldBe($"{Run}/features/train");
        host.FirstPostState.ShouldBe("pending");
        host.Features["state"]!.GetValue<string>().ShouldBe("done", host.Features.ToJsonString());
        host.Features["count"]!.GetValue<int>().ShouldBe(48);
        host.Features["dimension"]!.GetValue<int>().ShouldBe(512);
        host.Features["checkpointEpoch"]!.GetValue<int>().ShouldBe(2);
        host.Features["artifacts"]!.AsArray().Select(a => a!["name"]!.GetValue<string>()).Order()
            .ShouldBe(["features-train-indices.npy", "features-train-labels.npy", "features-train.npy"]);

        // Idempotent: the split already extracted is returned as it is, and no second job runs.
        var jobs = Factory.Services.GetRequiredService<Hangfire.JobStorage>().GetMonitoringApi();
        // The extraction job stores its features before Hangfire records the job's end.
        for (var deadline = DateTime.UtcNow.AddSeconds(15); jobs.ProcessingCount() > 0 && DateTime.UtcNow < deadline;)
        {
            await Task.Delay(100);
        }

        jobs.ProcessingCount().ShouldBe(0);
        long succeeded = jobs.SucceededListCount();
        var (again, status) = await Client.PostAsync($"{Run}/features?split=train", "");
        again.StatusCode.ShouldBe(HttpStatusCode.OK);
        status!["state"]!.GetValue<string>().ShouldBe("done");
        (jobs.SucceededListCount() + jobs.EnqueuedCount("default")).ShouldBe(succeeded);

        var run = await Client.GetJsonAsync(Run);
        var artifact = run["artifacts"]!.AsArray().Single(a => a!["name"]!.GetValue<string>() == "features-train.npy")!;
        artifact["kind"]!.GetValue<string>().ShouldBe("features-train");
        run.ToJsonString().ShouldNotContain(host.Factory.DataDirectory);
        var npy = await Client.GetByteArrayAsync(artifact["downloadUrl"]!.GetValue<string>());
        npy.AsSpan(1, 5).ToArray().ShouldBe("NUMPY"u8.ToArray());
        npy.Length.ShouldBe(artifact["bytes"]!.GetValue<int>());
    }

    private HostFactory Factory => host.Factory;

    [Theory]
    [InlineData(0)]
    [InlineData(17)]
    [InlineData(47)]
    public async Task A_training_image_is_its_own_nearest_neighbour(int index)
    {
        var answer = await Client.GetJsonAsync($"{Run}/neighbours?image=train:{index}&k=6");

        answer["k"]!.GetValue<int>().ShouldBe(6);
        answer["query"]!["split"]!.GetValue<string>().ShouldBe("train");
        answer["query"]!["index"]!.GetValue<int>().ShouldBe(index);
        var neighbours = answer["neighbours"]!.AsArray();
        neighbours.Count.ShouldBe(6);
        neighbours.Select(n => n!["distance"]!.GetValue<double>()).ShouldBeInOrder(SortDirection.Ascending);
        neighbours.Select(n => n!["index"]!.GetValue<int>()).ShouldBeUnique();
        neighbours.ShouldAllBe(n => n!["split"]!.GetValue<string>() == "train");
        neighbours[0]!["index"]!.GetValue<int>().ShouldBe(index);
        neighbours[0]!["distance"]!.GetValue<double>().ShouldBeLessThan(1e-3);
        neighbours[1]!["distance"]!.GetValue<double>().ShouldBeGreaterThan(1e-3);
        neighbours[0]!["label"]!.GetValue<int>().ShouldBe(answer["query"]!["label"]!.GetValue<int>());
        neighbours[0]!["className"]!.GetValue<string>().ShouldBe(answer["query"]!["className"]!.GetValue<string>());

        var excluded = (await Client.GetJsonAsync($"{Run}/neighbours?image=train:{index}&k=5&excludeQuery=true"))["neighbours"]!.AsArray();
        excluded.Select(n => n!["index"]!.GetValue<int>()).ShouldBe(neighbours.Skip(1).Select(n => n!["index"]!.GetValue<int>()));
    }

    [Fact]
    public async Task A_validation_query_gets_k_training_images_whose_urls_serve_pngs()
    {
        var answer = await Client.GetJsonAsync($"{Run}/neighbours?image=val:3&k=10");

        var neighbours = answer["neighbours"]!.AsArray();
        neighbours.Count.ShouldBe(10);
        neighbours.Select(n => n!["distance"]!.GetValue<double>()).ShouldBeInOrder(SortDirection.Ascending);
        answer["query"]!["url"]!.GetValue<string>().ShouldBe($"{Run}/images/val/3.png");
        foreach (var url in neighbours.Take(3).Select(n => n!["url"]!.GetValue<string>()).Prepend(answer["query"]!["url"]!.GetValue<string>()))
        {
            using var response = await Client.GetAsync(url);
            response.StatusCode.ShouldBe(HttpStatusCode.OK, url);
            response.Content.Headers.ContentType!.MediaType.ShouldBe("image/png");
            var png = await response.Content.ReadAsByteArrayAsync();
            png.AsSpan(1, 3).ToArray().ShouldBe("PNG"u8.ToArray());
            using var bitmap = SkiaSharp.SKBitmap.Decode(png);
            bitmap.Width.ShouldBe(72);
        }

        // The same query asked twice gives the same answer (the cached matrix, deterministic order).
        (await Client.GetJsonAsync($"{Run}/neighbours?image=val:3&k=10")).ToJsonString().ShouldBe(answer.ToJsonString());
    }

    [Fact]
    public async Task An_uploaded_png_of_a_training_image_finds_that_image_and_garbage_is_a_400_naming_image()
    {
        var png = await Client.GetByteArrayAsync($"{Run}/images/train/23.png");

        using var upload = await Upload(png, "image/png");
        var body = JsonNode.Parse(await upload.Content.ReadAsStringAsync())!;
        upload.StatusCode.ShouldBe(HttpStatusCode.OK, body.ToJsonString());
        body["query"]!["index"].ShouldBeNull();
        var nearest = body["neighbours"]!.AsArray()[0]!;
        nearest["index"]!.GetValue<int>().ShouldBe(23);
        nearest["distance"]!.GetValue<double>().ShouldBeLessThan(1e-3);
        body["neighbours"]!.AsArray().Count.ShouldBe(4);

        foreach (var garbage in new[] { "not an image"u8.ToArray(), png[..(png.Length / 3)] })
        {
            using var refused = await Upload(garbage, "image/jpeg");
            refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            var problem = JsonNode.Parse(await refused.Content.ReadAsStringAsync())!;
            problem["errors"]!.AsObject().Select(e => e.Key).ShouldBe(["image"]);
        }

        using var json = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
        using var notMultipart = await Client.PostAsync($"{Run}/neighbours", json);
        // As the JSON endpoints answer 415 to another content type, this one does to anything but multipart/form-data.
        notMultipart.StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);
        notMultipart.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");

        using var noFile = new MultipartFormDataContent { { new StringContent("val:3"), "image" } };
        using var missing = await Client.PostAsync($"{Run}/neighbours", noFile);
        missing.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        JsonNode.Parse(await missing.Content.ReadAsStringAsync())!["errors"]!.AsObject().Select(e => e.Key).ShouldBe(["image"]);
    }

    private async Task<HttpResponseMessage> Upload(byte[] bytes, string contentType)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        form.Add(file, "image", "query.png");
        return await Client.PostAsync($"{Run}/neighbours?k=4", form);
    }

    public static TheoryData<string, string, int, string?> Refusals() => new()
    {
        { "GET", "RUN/neighbours?image=val:0&k=0", 400, "k" },
        { "GET", "RUN/neighbours?image=val:0&k=101", 400, "k" },
        { "GET", "RUN/neighbours?image=val:0&k=six", 400, "k" },
        { "GET", "RUN/neighbours?image=val-3", 400, "image" },
        { "GET", "RUN/neighbours", 400, "image" },
        { "GET", "RUN/neighbours?image=test:1", 400, "image" },
        { "GET", "RUN/neighbours?image=val:12", 400, "image" },
        { "GET", "RUN/neighbours?image=train:99999", 400, "image" },
        { "POST", "RUN/features?split=test", 400, "split" },
        { "POST", "RUN/features", 400, "split" },
        { "GET", "RUN/features/test", 400, "split" },
        { "GET", "RUN/features/val", 404, null },
        { "GET", "UNKNOWN/neighbours?image=val:0", 404, null },
        { "POST", "UNKNOWN/features?split=train", 404, null },
        { "POST", "CANCELLED/features?split=train", 409, null },
        { "GET", "CANCELLED/neighbours?image=val:0", 409, null },
        { "GET", "SEEDED/neighbours?image=val:0", 409, null },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task Bad_requests_get_problem_details_naming_the_field(string method, string url, int status, string? field)
    {
        url = url.Replace("RUN", Run, StringComparison.Ordinal).Replace("UNKNOWN", $"/api/runs/{Guid.NewGuid()}", StringComparison.Ordinal)
            .Replace("CANCELLED", $"/api/runs/{host.CancelledRunId}", StringComparison.Ordinal)
            .Replace("SEEDED", $"/api/runs/{host.Seeded.Baseline}", StringComparison.Ordinal);
        using var response = await Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), url));
        var text = await response.Content.ReadAsStringAsync();

        ((int)response.StatusCode).ShouldBe(status, text);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json", text);
        text.ShouldNotContain("System.", Case.Sensitive);
        if (field is not null)
        {
            JsonNode.Parse(text)!["errors"]!.AsObject().Select(e => e.Key).ShouldBe([field], text);
        }

        if (url.StartsWith($"/api/runs/{host.Seeded.Baseline}", StringComparison.Ordinal))
        {
            text.ShouldContain($"POST /api/runs/{host.Seeded.Baseline}/features?split=train first");
        }
    }

    [Fact]
    public async Task Images_outside_the_split_or_of_no_split_are_404()
    {
        (await Client.GetAsync($"{Run}/images/train/48.png")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await Client.GetAsync($"{Run}/images/test/0.png")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await Client.GetAsync($"/api/runs/{Guid.NewGuid()}/images/val/0.png")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_grid_page_shows_each_validation_image_with_its_nearest_training_images_in_chromium()
    {
        var profile = Path.Combine(Path.GetTempPath(), "alexnet-chromium-" + Guid.NewGuid().ToString("N"));
        var browser = await Chromium.LaunchAsync(profile);
        try
        {
            await using var page = await browser.NewPageAsync();
            (await page.GoToAsync($"{host.Site}/runs/{host.RunId}", WaitUntilNavigation.Load))!.Status.ShouldBe(HttpStatusCode.OK);
            await Task.WhenAll(page.WaitForNavigationAsync(), page.ClickAsync("#neighbours-link"));
            page.Url.ShouldEndWith($"/runs/{host.RunId}/neighbours");
            await page.WaitForFunctionAsync("() => [...document.images].every(i => i.complete)");

            var rows = await page.EvaluateExpressionAsync<string[]>("[...document.querySelectorAll('#neighbours tr')].map(r => r.dataset.query)");
            rows.ShouldBe(["val:0", "val:1", "val:2", "val:3", "val:4", "val:5"]);
            var cells = await page.EvaluateExpressionAsync<int[]>("[...document.querySelectorAll('#neighbours tr')].map(r => r.querySelectorAll('td.neighbour').length)");
            cells.ShouldAllBe(c => c == 6);
            var widths = await page.EvaluateExpressionAsync<int[]>("[...document.querySelectorAll('#neighbours img')].map(i => i.naturalWidth)");
            widths.Length.ShouldBe(6 * 7);
            widths.ShouldAllBe(w => w == 72);

            // The grid agrees with the API: row val:3's neighbours are the API's first six for val:3.
            var api = (await Client.GetJsonAsync($"{Run}/neighbours?image=val:3&k=6"))["neighbours"]!.AsArray().Select(n => n!["index"]!.GetValue<int>());
            var grid = await page.EvaluateExpressionAsync<int[]>(
                "[...document.querySelectorAll('#neighbours tr[data-query=\"val:3\"] td.neighbour')].map(td => +td.dataset.index)");
            grid.ShouldBe(api);
            await page.ScreenshotAsync(Path.Combine(WebAppTests.ScreenshotFolder, "neighbours.png"), new ScreenshotOptions { FullPage = true });

            // A run without features says so and offers the button; pressing it (an anti-forgery form POST) queues the job.
            await page.GoToAsync($"{host.Site}/runs/{host.Seeded.Baseline}/neighbours", WaitUntilNavigation.Load);
            (await page.QuerySelectorAsync("#features-missing")).ShouldNotBeNull();
            var navigation = page.WaitForNavigationAsync();
            await page.ClickAsync("#extract");
            var response = await navigation;
            response!.Status.ShouldBe(HttpStatusCode.OK);
            var text = await page.EvaluateExpressionAsync<string>("document.querySelector('main').innerText");
            // The seeded run has no preprocessed store, so its job fails quickly; either state shows the request was taken.
            (text.Contains("Extracting", StringComparison.Ordinal) || text.Contains("extraction failed", StringComparison.Ordinal)).ShouldBeTrue(text);
        }
        finally
        {
            await browser.CloseAsync();
            browser.Dispose();
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
}
