using AlexNet.Experiments.Application.Runs;
using AlexNet.Experiments.Application.Runs.Steps;
using AlexNet.Experiments.Application.Tests.Fakes;
using AlexNet.Experiments.Domain.Experiments;
using Microsoft.Extensions.Logging.Abstractions;

namespace AlexNet.Experiments.Application.Tests;

/// <summary>
/// What makes control cross processes: the watch of an executing step writes its progress to the store and stops the step when
/// the stored run says Cancelled, whoever wrote that. The real api and worker processes are in Host.Tests' CrossProcessControlTests.
/// </summary>
public sealed class RunControlTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    private readonly InMemoryResultsStore store = new();
    private readonly RunProgressBoard board = new(TimeProvider.System);
    private readonly RunCancellations cancellations = new();

    private readonly StepCurves curves;

    public RunControlTests() => curves = new StepCurves(store, new FakeStepCurveExport(store), NullLogger<StepCurves>.Instance);

    private RunControl Control() => new(
        store, new LiveFigures(board, store, curves), cancellations, RunStepOptions.Default with { ControlInterval = TimeSpan.FromMilliseconds(20) },
        TimeProvider.System, NullLogger<RunControl>.Instance);

    private Run StoredRun()
    {
        var run = Run.Queue(Guid.NewGuid(), new Hyperparameters { Epochs = 3 }, DateTimeOffset.UtcNow).StartPreprocessing(DateTimeOffset.UtcNow);
        store.Runs[run.Id] = run;
        return run;
    }

    [Fact]
    public async Task A_run_cancelled_in_the_store_by_anyone_stops_the_step_and_its_progress_reaches_the_store()
    {
        var run = StoredRun();
        await using var watch = Control().Watch(run.Id, CancellationToken.None);

        var figures = board.Report(run.Id, new ProgressSample(RunProgressBoard.Training, 1, 3, 64, 640, 32, 2.3));
        await Until(() => store.Progress.GetValueOrDefault(run.Id) == figures);
        watch.Token.IsCancellationRequested.ShouldBeFalse();

        store.Runs[run.Id] = run.Cancel(DateTimeOffset.UtcNow); // as CancelRun in another process writes it
        await Until(() => watch.Token.IsCancellationRequested);
        watch.IsRunCancelled.ShouldBeTrue();
    }

    [Fact]
    public async Task Step_points_the_trainer_hands_over_reach_the_store_at_the_next_tick_in_one_write()
    {
        var run = StoredRun();
        var points = new[] { 20, 40 }.Select(batch => new Domain.Training.StepMetrics(run.Id, 1, batch, batch * 128, 2.5, 0.9, 0.6, batch)).ToList();
        points.ForEach(curves.Waiting.Report);

        await using var watch = Control().Watch(run.Id, CancellationToken.None);

        await Until(() => store.Steps.Count == 2);
        (await store.GetStepMetricsAsync(run.Id, CancellationToken.None)).ShouldBe(points);
        store.StepWrites.ShouldBe(1);
    }

    [Fact]
    public async Task The_host_stopping_cancels_the_step_without_calling_it_a_cancelled_run()
    {
        var run = StoredRun();
        using var stopping = new CancellationTokenSource();
        await using var watch = Control().Watch(run.Id, stopping.Token);

        await stopping.CancelAsync();

        watch.Token.IsCancellationRequested.ShouldBeTrue();
        watch.IsRunCancelled.ShouldBeFalse();
    }

    [Fact]
    public async Task Cancelling_a_run_here_stops_every_step_of_it_and_the_last_step_to_end_leaves_nothing_behind()
    {
        var run = StoredRun();
        var control = Control();
        var shard0 = control.Watch(run.Id, CancellationToken.None);
        var shard1 = control.Watch(run.Id, CancellationToken.None);
        board.Report(run.Id, new ProgressSample(RunProgressBoard.Preprocessing, 0, 3, 5, 10, 0, null));

        cancellations.Cancel(run.Id).ShouldBeTrue();
        shard0.IsRunCancelled.ShouldBeTrue();
        shard1.IsRunCancelled.ShouldBeTrue();

        await shard0.DisposeAsync();
        cancellations.IsExecuting(run.Id).ShouldBeTrue("the other shard's step still runs");
        board.Get(run.Id).ShouldNotBeNull();
        await shard1.DisposeAsync();
        cancellations.IsExecuting(run.Id).ShouldBeFalse();
        board.Get(run.Id).ShouldBeNull();
        cancellations.Cancel(run.Id).ShouldBeFalse();
    }

    private static async Task Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (!condition())
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline);
            await Task.Delay(10);
        }
    }
}
