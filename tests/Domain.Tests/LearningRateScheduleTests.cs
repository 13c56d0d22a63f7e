using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Training;

namespace AlexNet.Experiments.Domain.Tests;

public sealed class LearningRateScheduleTests
{
    private static readonly OptimizerHyperparameters Optimizer = new() { LearningRate = 0.01 };

    private static Hyperparameters Run(ScheduleHyperparameters schedule, int epochs = 90) =>
        new() { Epochs = epochs, Optimizer = Optimizer, Schedule = schedule };

    private static List<EpochMetrics> History(params double[] validationErrors) =>
        validationErrors.Select((e, i) => new EpochMetrics(Guid.Empty, i + 1, 0, 0, 0, 0, e, 0, 0, 0, DateTimeOffset.UnixEpoch)).ToList();

    [Fact]
    public void Plateau_divides_by_ten_after_patience_epochs_without_improvement()
    {
        var schedule = new ScheduleHyperparameters { Kind = ScheduleKind.Plateau, Patience = 2 };
        var history = History(0.9, 0.8, 0.8, 0.81, 0.7, 0.7, 0.7);
        LearningRateSchedule.For(Run(schedule), 3, history).ShouldBe(0.01);
        LearningRateSchedule.For(Run(schedule), 4, history).ShouldBe(0.01);
        LearningRateSchedule.For(Run(schedule), 5, history).ShouldBe(0.001, 1e-12);
        LearningRateSchedule.For(Run(schedule), 7, history).ShouldBe(0.001, 1e-12);
        LearningRateSchedule.For(Run(schedule), 8, history).ShouldBe(0.0001, 1e-12);
    }

    [Fact]
    public void Plateau_stops_after_max_drops()
    {
        var schedule = new ScheduleHyperparameters { Kind = ScheduleKind.Plateau, Patience = 1, MaxDrops = 3 };
        var history = History(Enumerable.Repeat(0.5, 20).ToArray());
        LearningRateSchedule.For(Run(schedule), 21, history).ShouldBe(0.00001, 1e-15);
    }

    [Fact]
    public void Step_schedule_drops_every_step_epochs()
    {
        var schedule = new ScheduleHyperparameters { Kind = ScheduleKind.Step, StepEpochs = 30, MaxDrops = 3 };
        LearningRateSchedule.For(Run(schedule), 30, []).ShouldBe(0.01);
        LearningRateSchedule.For(Run(schedule), 31, []).ShouldBe(0.001, 1e-12);
        LearningRateSchedule.For(Run(schedule), 200, []).ShouldBe(0.00001, 1e-15);
    }

    [Fact]
    public void Only_epochs_before_the_requested_one_count()
    {
        var schedule = new ScheduleHyperparameters { Kind = ScheduleKind.Plateau, Patience = 1 };
        LearningRateSchedule.For(Run(schedule), 2, History(0.5, 0.5, 0.5)).ShouldBe(0.01);
    }

    [Fact]
    public void Cosine_falls_from_the_learning_rate_by_half_a_cosine_over_the_run()
    {
        var run = Run(new ScheduleHyperparameters { Kind = ScheduleKind.Cosine }, epochs: 4);
        double[] rates = [.. Enumerable.Range(1, 4).Select(epoch => LearningRateSchedule.For(run, epoch, []))];
        rates.ShouldBe([0.01, 0.01 * (2 + Math.Sqrt(2)) / 4, 0.005, 0.01 * (2 - Math.Sqrt(2)) / 4], tolerance: 1e-15);
    }
}
