using AlexNet.Experiments.Application.Runs;

namespace AlexNet.Experiments.Application.Tests;

public sealed class RunProgressBoardTests
{
    private sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = DateTimeOffset.UnixEpoch;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public void Rate_and_time_left_come_from_images_done_since_the_epoch_started_here()
    {
        var clock = new ManualClock();
        var board = new RunProgressBoard(clock);
        var run = Guid.NewGuid();

        board.Report(run, new ProgressSample(RunProgressBoard.Training, 2, 3, 200, 1000, 32, 2.5));
        clock.Now += TimeSpan.FromSeconds(4);
        var progress = board.Report(run, new ProgressSample(RunProgressBoard.Training, 2, 3, 800, 1000, 32, 2.0));

        progress.ImagesPerSecond.ShouldBe(150); // (800 - 200) / 4: the first 200 were done by an earlier job
        progress.Batch.ShouldBe(25);
        progress.Batches.ShouldBe(32);
        progress.RunningLoss.ShouldBe(2.0);
        progress.StepSecondsLeft!.Value.ShouldBe(200 / 150.0, 1e-9);
        progress.RunSecondsLeft!.Value.ShouldBe(200 / 150.0 + 1000 / 150.0, 1e-9);
        board.Get(run).ShouldBe(progress);
        board.Get(Guid.NewGuid()).ShouldBeNull();
    }

    [Fact]
    public void A_new_phase_or_epoch_restarts_the_clock()
    {
        var clock = new ManualClock();
        var board = new RunProgressBoard(clock);
        var run = Guid.NewGuid();
        board.Report(run, new ProgressSample(RunProgressBoard.Preprocessing, 0, 3, 0, 10, 0, null));
        clock.Now += TimeSpan.FromSeconds(10);

        var progress = board.Report(run, new ProgressSample(RunProgressBoard.Training, 1, 3, 5, 10, 5, 1.0));

        progress.ImagesPerSecond.ShouldBe(0);
        progress.StepSecondsLeft.ShouldBeNull();
        progress.RunSecondsLeft.ShouldBeNull();
    }
}
