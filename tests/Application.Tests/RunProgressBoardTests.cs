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
    public void Rate_is_images_done_over_time_since_the_phase_started()
    {
        var clock = new ManualClock();
        var board = new RunProgressBoard(clock);
        var run = Guid.NewGuid();

        board.Report(run, "preprocessing", 0, 1000, 0);
        clock.Now += TimeSpan.FromSeconds(4);
        var progress = board.Report(run, "preprocessing", 600, 1000, 3);

        progress.PerSecond.ShouldBe(150);
        progress.Skipped.ShouldBe(3);
        board.Get(run).ShouldBe(progress);
        board.Get(Guid.NewGuid()).ShouldBeNull();
    }

    [Fact]
    public void A_new_phase_restarts_the_clock()
    {
        var clock = new ManualClock();
        var board = new RunProgressBoard(clock);
        var run = Guid.NewGuid();
        board.Report(run, "preprocessing", 0, 10, 0);
        clock.Now += TimeSpan.FromSeconds(10);

        var progress = board.Report(run, "training", 5, 10, 0);

        progress.StartedAt.ShouldBe(clock.Now);
        progress.PerSecond.ShouldBe(0);
    }
}
