using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Storage;
using AlexNet.Experiments.Domain.Training;

namespace AlexNet.Experiments.Domain.Tests;

public sealed class RunSummaryTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);
    private static readonly RunProgressFigures Evaluating = new("evaluating", 2, 2, 3, 10, 30, 100, null, 50, StepSecondsLeft: 1.4, RunSecondsLeft: 1.4, T0);

    private static RunSummary Summary(Run run) => new(run, "e", Guid.NewGuid(), [], null, new FinalMetrics(null, null, null, null, null, null, null, null, null, null, null, null), Evaluating);

    [Fact]
    public void A_finished_run_s_last_progress_has_nothing_left_to_wait_for_even_before_its_step_stored_its_final_figures()
    {
        var evaluating = Run.Queue(Guid.NewGuid(), new Hyperparameters { Epochs = 1 }, T0)
            .StartPreprocessing(T0).FinishPreprocessing("v1", T0).CompleteEpoch(1, T0);

        Summary(evaluating).LastProgress.ShouldBe(Evaluating);
        Summary(evaluating.Succeed(T0)).LastProgress.ShouldBe(Evaluating with { StepSecondsLeft = 0, RunSecondsLeft = 0 });
        Summary(evaluating.Cancel(T0)).LastProgress!.RunSecondsLeft.ShouldBe(0);
    }
}
