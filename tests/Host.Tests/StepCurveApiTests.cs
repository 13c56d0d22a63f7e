using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using AlexNet.Experiments.Tests.Shared;

namespace AlexNet.Experiments.Host.Tests;

/// <summary>
/// Step-level points of a really trained run (the collection's run with LRN: two epochs of three batches, a point every two
/// batches) as the API, the CSV, the plots and TensorBoard serve them.
/// </summary>
[Collection(ResultsApiTests.TwoRuns.Collection)]
public sealed class StepCurveApiTests(ResultsApiTests.TwoRuns runs)
{
    private HttpClient Client => runs.Client;

    [Fact]
    public async Task The_points_come_every_two_batches_and_after_each_epochs_last_and_make_up_the_epochs_training_figures()
    {
        var steps = await Client.GetJsonAsync($"/api/runs/{runs.WithLrn}/steps");
        var metrics = (await Client.GetJsonAsync($"/api/runs/{runs.WithLrn}/metrics")).AsArray();

        steps["imagesPerEpoch"]!.GetValue<int>().ShouldBe(48);
        var points = steps["points"]!.AsArray();
        points.Select(p => (Int(p, "epoch"), Int(p, "batch"), Int(p, "imagesSeen"))).ShouldBe([(1, 2, 32), (1, 3, 48), (2, 2, 80), (2, 3, 96)]);
        for (int epoch = 1; epoch <= 2; epoch++)
        {
            var (first, last, figures) = (points[(2 * epoch) - 2]!, points[(2 * epoch) - 1]!, metrics[epoch - 1]!);
            foreach (var name in new[] { "trainLoss", "trainTop1Error", "trainTop5Error" })
            {
                // 32 images to the first point, 16 to the second: weighted by them, the points are the epoch's figure.
                ((Number(first, name) * 32) + (Number(last, name) * 16)).ShouldBe(Number(figures, name) * 48, 1e-9, name);
            }
        }

        // The run's training seconds: epoch 2's points start where epoch 1's training time ended.
        double epoch1Seconds = Number(metrics[0]!, "trainSeconds");
        points.Select(p => Number(p!, "wallSeconds")).ShouldBeInOrder(SortDirection.Ascending);
        Number(points[1]!, "wallSeconds").ShouldBeLessThanOrEqualTo(epoch1Seconds);
        Number(points[2]!, "wallSeconds").ShouldBeGreaterThan(epoch1Seconds);
    }

    [Fact]
    public async Task The_csv_holds_the_same_points_to_the_last_bit_and_an_unknown_run_has_none()
    {
        var points = (await Client.GetJsonAsync($"/api/runs/{runs.WithLrn}/steps"))["points"]!.AsArray();

        var rows = await Client.ReadCsvWithPythonAsync($"/api/runs/{runs.WithLrn}/steps.csv", runs.Factory.DataDirectory);

        rows.Select(r => r.Keys).ShouldAllBe(keys => keys.SequenceEqual(new[] { "epoch", "batch", "imagesSeen", "trainLoss", "trainTop1Error", "trainTop5Error", "wallSeconds" }));
        rows.Select(r => r["batch"]).ShouldBe(["2", "3", "2", "3"]);
        rows.Select(r => double.Parse(r["trainLoss"], CultureInfo.InvariantCulture)).ShouldBe(points.Select(p => Number(p!, "trainLoss")));
        rows.Select(r => double.Parse(r["wallSeconds"], CultureInfo.InvariantCulture)).ShouldBe(points.Select(p => Number(p!, "wallSeconds")));
        (await Client.GetAsync($"/api/runs/{Guid.NewGuid()}/steps")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await Client.GetAsync($"/api/runs/{Guid.NewGuid()}/steps.csv")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_runs_tensorboard_files_hold_each_stored_point_once_with_its_tags_step_and_value()
    {
        var points = (await Client.GetJsonAsync($"/api/runs/{runs.WithLrn}/steps"))["points"]!.AsArray();

        var files = await TensorBoardEvents.ReadAsync(Path.Combine(runs.Factory.DataDirectory, "runs", runs.WithLrn, "tensorboard"));

        files.ShouldNotBeEmpty();
        files.ShouldAllBe(f => f.FileVersion == "brain.Event:2");
        files.SelectMany(f => f.Scalars).ShouldBe(points.SelectMany(p => new[] { ("train/loss", "trainLoss"), ("train/top1_error", "trainTop1Error"), ("train/top5_error", "trainTop5Error") }
            .Select(tag => new TensorBoardScalar(tag.Item1, Int(p!, "imagesSeen"), (float)Number(p!, tag.Item2), Math.Round(Number(p!, "wallSeconds"))))));
    }

    [Fact]
    public async Task The_tensorboard_zip_holds_the_runs_event_files_in_a_folder_named_by_the_run()
    {
        string folder = Path.Combine(runs.Factory.DataDirectory, "runs", runs.WithLrn, "tensorboard");
        using var response = await Client.GetAsync($"/api/runs/{runs.WithLrn}/tensorboard.zip");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/zip");

        using var unzipped = new TempDirectory();
        await using (var zip = await response.Content.ReadAsStreamAsync())
        {
            await System.IO.Compression.ZipFile.ExtractToDirectoryAsync(zip, unzipped.Path);
        }

        Directory.GetDirectories(unzipped.Path).Select(Path.GetFileName).ShouldBe([runs.WithLrn]);
        var (served, kept) = (await TensorBoardEvents.ReadAsync(Path.Combine(unzipped.Path, runs.WithLrn)), await TensorBoardEvents.ReadAsync(folder));
        served.Select(f => f.Name).ShouldBe(kept.Select(f => f.Name));
        served.SelectMany(f => f.Scalars).ShouldBe(kept.SelectMany(f => f.Scalars));
        kept.SelectMany(f => f.Scalars).ShouldNotBeEmpty();
        (await Client.GetAsync($"/api/runs/{Guid.NewGuid()}/tensorboard.zip")).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        string page = await Client.GetStringAsync($"/runs/{runs.WithLrn}");
        page.ShouldContain($"<a id=\"tensorboard-zip\" href=\"/api/runs/{runs.WithLrn}/tensorboard.zip\">");
        string command = WebUtility.HtmlDecode(page[(page.IndexOf("<pre id=\"tensorboard-command\">", StringComparison.Ordinal) + 30)..].Split("</pre>")[0]);
        command.ShouldBe($"curl -so tensorboard.zip {Client.BaseAddress}api/runs/{runs.WithLrn}/tensorboard.zip && unzip -o tensorboard.zip -d tensorboard && tensorboard --logdir tensorboard");
    }

    [Fact]
    public async Task The_curve_plots_draw_the_points_under_the_per_epoch_figures()
    {
        var svg = await Client.GetStringAsync($"/api/runs/{runs.WithLrn}/plots/loss.svg");

        svg.ShouldContain("train, every few batches");
        svg.ShouldContain("validation");
    }

    private static int Int(JsonNode? node, string name) => node![name]!.GetValue<int>();

    private static double Number(JsonNode node, string name) => node[name]!.GetValue<double>();
}
