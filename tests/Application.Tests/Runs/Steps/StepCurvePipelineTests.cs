using System.Text.Json.Nodes;
using AlexNet.Experiments.Application.Experiments.SubmitExperiment;
using AlexNet.Experiments.Application.Runs;
using AlexNet.Experiments.Application.Tests.Fakes;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Training;

namespace AlexNet.Experiments.Application.Tests;

/// <summary>
/// A run's step points through the training steps, with every port faked: the fake trainer's epochs are five batches, and every
/// call reports the epoch's points up to where it stops, earlier calls' included. No control tick fires here (its interval is
/// an hour), so every write is a training step's own.
/// </summary>
public sealed class StepCurvePipelineTests : IDisposable
{
    private readonly ApplicationHarness harness = new(options: RunStepOptions.Default with { StepMetricsBatches = 2, ControlInterval = TimeSpan.FromHours(1) });

    public void Dispose() => harness.Dispose();

    private async Task<Guid> RunAsync(string overrides)
    {
        var dataset = await harness.AddDatasetAsync();
        var submitted = await harness.SendAsync(new SubmitExperimentCommand("steps", dataset.Id, "quickstart", JsonNode.Parse(overrides)!.AsObject()));
        await harness.DrainAsync();
        return submitted.RunId;
    }

    [Fact]
    public async Task Each_epoch_stores_ceil_of_its_batches_over_the_setting_points_with_the_runs_images_and_seconds()
    {
        var runId = await RunAsync("""{ "epochs": 2 }""");

        harness.Store.Runs[runId].Status.ShouldBe(RunStatus.Succeeded);
        harness.Trainer.Requests.ShouldAllBe(r => r.Steps.Batches == 2);
        harness.Trainer.Requests.Select(r => r.Steps.SecondsBefore).ShouldBe([0, FakeTrainer.EpochSeconds], "epoch 2's seconds start where epoch 1's ended");
        var stored = await harness.Store.GetStepMetricsAsync(runId, CancellationToken.None);
        stored.Select(p => (p.Epoch, p.Batch, p.ImagesSeen, p.WallSeconds)).ShouldBe(
            [(1, 2, 20, 2), (1, 4, 40, 4), (1, 5, 50, 5), (2, 2, 70, 9), (2, 4, 90, 11), (2, 5, 100, 12)]);
        stored.ShouldBe(harness.Trainer.Requests.SelectMany(r => new[] { 2, 4, 5 }.Select(batch => FakeTrainer.Point(r, batch))));
    }

    [Fact]
    public async Task A_split_epoch_stores_each_point_once_in_one_write_per_trainer_call_and_before_the_epochs_metrics()
    {
        harness.Trainer.PausesPerEpoch = 3; // calls stop after batches 1, 2 and 3, then the fourth finishes the epoch
        var runId = await RunAsync("""{ "epochs": 2 }""");

        harness.Store.Runs[runId].Status.ShouldBe(RunStatus.Succeeded);
        var stored = await harness.Store.GetStepMetricsAsync(runId, CancellationToken.None);
        stored.Select(p => (p.Epoch, p.Batch)).ShouldBe([(1, 2), (1, 4), (1, 5), (2, 2), (2, 4), (2, 5)]);
        // The calls that stopped after batch 1 had no point to write; the six others wrote theirs, earlier calls' again, in one go.
        harness.Store.StepWrites.ShouldBe(6);

        // Each call's points are exported after it; an epoch's last export comes before its metrics are recorded.
        harness.Export.Exports.Select(e => (e.Points.Count, e.EpochsRecorded)).ShouldBe(
            [(0, 0), (1, 0), (1, 0), (3, 0), (3, 1), (4, 1), (4, 1), (6, 1)]);
        harness.Export.Exports[^1].Points.ShouldBe(stored);
        harness.Export.Exports.ShouldAllBe(e => e.RunId == runId);
    }

    [Fact]
    public async Task A_diverging_epoch_stores_and_exports_the_points_taken_before_it_diverged()
    {
        harness.Trainer.Failure = request =>
        {
            request.Steps.Points!.Report(FakeTrainer.Point(request, 2));
            return request.Epoch == 2 ? new TrainingDivergedException(2, 3, double.NaN) : null;
        };

        var runId = await RunAsync("""{ "epochs": 3 }""");

        harness.Store.Runs[runId].Status.ShouldBe(RunStatus.Diverged);
        var stored = await harness.Store.GetStepMetricsAsync(runId, CancellationToken.None);
        stored.Select(p => (p.Epoch, p.Batch)).ShouldBe([(1, 2), (1, 4), (1, 5), (2, 2)]);
        harness.Export.Exports[^1].Points.ShouldBe(stored);
    }
}
