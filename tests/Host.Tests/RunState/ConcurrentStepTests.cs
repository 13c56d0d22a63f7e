using AlexNet.Experiments.Application.Runs.Steps;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Jobs;

namespace AlexNet.Experiments.Host.Tests.RunState;

/// <summary>
/// A job store may hand one step out twice (Hangfire.Storage.SQLite re-fetches a job after 30 minutes). Two executions of the
/// same step run at once here, on threads, against the real SQLite store and its compare-and-set: the run advances once.
/// </summary>
public sealed class ConcurrentStepTests : IAsyncLifetime
{
    private readonly RecordingScheduler scheduler = new();
    private RealStore harness = null!;

    public async Task InitializeAsync() => harness = await RealStore.CreateAsync(scheduler);

    public async Task DisposeAsync() => await harness.DisposeAsync();

    private async Task TwiceAtOnceAsync(RunStep step)
    {
        harness.Work.Reset(arrivals: 2);
        var command = new ExecuteRunStepCommand(step);
        await Task.WhenAll(Task.Run(() => harness.SendAsync(command)), Task.Run(() => harness.SendAsync(command)));
    }

    [Fact]
    public async Task Two_executions_of_each_step_at_once_advance_the_run_exactly_once()
    {
        var run = await harness.AddQueuedRunAsync();

        // Preprocess: both read Queued; one moves it to Preprocessing, the other stops before doing the work.
        harness.Work.Reset(arrivals: 1);
        var preprocess = new ExecuteRunStepCommand(new RunStep(run.Id, RunStepKind.Preprocess));
        await Task.WhenAll(Task.Run(() => harness.SendAsync(preprocess)), Task.Run(() => harness.SendAsync(preprocess)));
        scheduler.Enqueued.ShouldBe([new RunStep(run.Id, RunStepKind.TrainEpoch, 1)]);

        await TwiceAtOnceAsync(new RunStep(run.Id, RunStepKind.TrainEpoch, 1));
        harness.Work.Calls.ShouldBe(2, "both executions trained");
        await TwiceAtOnceAsync(new RunStep(run.Id, RunStepKind.TrainEpoch, 2));
        await TwiceAtOnceAsync(new RunStep(run.Id, RunStepKind.Evaluate));

        scheduler.Enqueued.ShouldBe(
        [
            new RunStep(run.Id, RunStepKind.TrainEpoch, 1), new RunStep(run.Id, RunStepKind.TrainEpoch, 2), new RunStep(run.Id, RunStepKind.Evaluate),
        ]);
        var stored = (await harness.Store.GetRunAsync(run.Id, CancellationToken.None))!;
        stored.Status.ShouldBe(RunStatus.Succeeded);
        stored.EpochsCompleted.ShouldBe(2);
        (await harness.Store.GetEpochMetricsAsync(run.Id, CancellationToken.None)).Select(m => m.Epoch).ShouldBe([1, 2]);
        (await harness.Store.ListArtifactsAsync(run.Id, CancellationToken.None)).Select(a => a.Epoch).ShouldBe([1, 2], ignoreOrder: true);
        (await harness.Store.GetEvaluationAsync(run.Id, CancellationToken.None)).ShouldNotBeNull();
    }

    [Fact]
    public async Task A_twin_that_fails_after_the_other_finished_the_run_leaves_it_Succeeded()
    {
        var run = await harness.AddQueuedRunAsync("""{"epochs":1}""");
        harness.Work.Reset(arrivals: 1);
        await harness.SendAsync(new ExecuteRunStepCommand(new RunStep(run.Id, RunStepKind.Preprocess)));
        await harness.SendAsync(new ExecuteRunStepCommand(new RunStep(run.Id, RunStepKind.TrainEpoch, 1)));

        harness.Work.Reset(arrivals: 2);
        var evaluate = new ExecuteRunStepCommand(new RunStep(run.Id, RunStepKind.Evaluate));
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var healthy = Task.Run(() => harness.SendAsync(evaluate));
        var failing = Task.Run(() =>
        {
            BarrierWork.FailWhenOpened.Value = gate;
            return harness.SendAsync(evaluate);
        });
        await healthy;
        (await harness.Store.GetRunAsync(run.Id, CancellationToken.None))!.Status.ShouldBe(RunStatus.Succeeded);
        gate.SetResult();

        await Should.ThrowAsync<InvalidOperationException>(failing);

        var stored = (await harness.Store.GetRunAsync(run.Id, CancellationToken.None))!;
        stored.Status.ShouldBe(RunStatus.Succeeded);
        stored.Error.ShouldBeNull();
    }
}
