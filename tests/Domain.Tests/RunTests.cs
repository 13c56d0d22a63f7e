using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Jobs;

namespace AlexNet.Experiments.Domain.Tests;

/// <summary>The run's whole life: every transition it allows, every one it refuses, and the step it allows next.</summary>
public sealed class RunTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);
    private static readonly Hyperparameters TwoEpochs = new() { Epochs = 2 };

    private static Run Queued() => Run.Queue(Guid.NewGuid(), TwoEpochs, T0);

    private static Run In(RunStatus status) => status switch
    {
        RunStatus.Queued => Queued(),
        RunStatus.Preprocessing => Queued().StartPreprocessing(T0.AddSeconds(1)),
        RunStatus.Training => In(RunStatus.Preprocessing).FinishPreprocessing("v1", T0.AddSeconds(2)),
        RunStatus.Evaluating => In(RunStatus.Training).CompleteEpoch(1, T0.AddSeconds(3)).CompleteEpoch(2, T0.AddSeconds(4)),
        RunStatus.Succeeded => In(RunStatus.Evaluating).Succeed(T0.AddSeconds(5)),
        RunStatus.Failed => Queued().Fail("boom", T0.AddSeconds(1)),
        RunStatus.Diverged => In(RunStatus.Training).Diverge(new Divergence(1, 7), "loss NaN", T0.AddSeconds(3)),
        RunStatus.Cancelled => Queued().Cancel(T0.AddSeconds(1)),
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    /// <summary>Each transition, applied to a run in any state: the state it returns, or null where it must be refused.</summary>
    public static TheoryData<string, RunStatus, RunStatus?> Transitions()
    {
        var data = new TheoryData<string, RunStatus, RunStatus?>();
        foreach (var from in Enum.GetValues<RunStatus>())
        {
            bool unfinished = !from.IsFinal();
            data.Add("StartPreprocessing", from, from == RunStatus.Queued ? RunStatus.Preprocessing : null);
            data.Add("FinishPreprocessing", from, from == RunStatus.Preprocessing ? RunStatus.Training : null);
            data.Add("CompleteEpoch", from, from == RunStatus.Training ? RunStatus.Training : null);
            data.Add("Succeed", from, from == RunStatus.Evaluating ? RunStatus.Succeeded : null);
            data.Add("Diverge", from, from == RunStatus.Training ? RunStatus.Diverged : null);
            data.Add("Fail", from, unfinished ? RunStatus.Failed : null);
            data.Add("Cancel", from, unfinished ? RunStatus.Cancelled : null);
            data.Add("Claim", from, unfinished ? from : null);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Transitions))]
    public void A_transition_moves_an_allowed_state_and_refuses_every_other(string transition, RunStatus from, RunStatus? to)
    {
        var run = In(from);
        var now = T0.AddHours(1);
        Func<Run> apply = transition switch
        {
            "StartPreprocessing" => () => run.StartPreprocessing(now),
            "FinishPreprocessing" => () => run.FinishPreprocessing("v2", now),
            "CompleteEpoch" => () => run.CompleteEpoch(run.EpochsCompleted + 1, now),
            "Succeed" => () => run.Succeed(now),
            "Diverge" => () => run.Diverge(new Divergence(1, 3), "loss inf", now),
            "Fail" => () => run.Fail("out of memory", now),
            "Cancel" => () => run.Cancel(now),
            "Claim" => () => run.Claim(now),
            _ => throw new ArgumentOutOfRangeException(nameof(transition)),
        };

        if (to is { } expected)
        {
            var moved = apply();
            moved.Status.ShouldBe(expected);
            moved.UpdatedAt.ShouldBe(now, "the change's time is the compare-and-set token of its write");
            moved.Id.ShouldBe(run.Id);
            moved.CreatedAt.ShouldBe(run.CreatedAt);
            run.Status.ShouldBe(from, "a transition returns the moved run and leaves this one as it was");
        }
        else
        {
            Should.Throw<RunTransitionException>(apply).Message.ShouldContain(run.Id.ToString());
        }
    }

    [Fact]
    public void The_happy_path_carries_the_version_the_epochs_and_the_step_allowed_next()
    {
        var queued = Queued();
        queued.NextStep.ShouldBe(new RunStep(queued.Id, RunStepKind.Preprocess));
        queued.EpochsCompleted.ShouldBe(0);

        var preprocessing = queued.StartPreprocessing(T0.AddSeconds(1));
        preprocessing.NextStep.ShouldBe(new RunStep(queued.Id, RunStepKind.Preprocess));

        var training = preprocessing.FinishPreprocessing("abc", T0.AddSeconds(2));
        training.DatasetVersionHash.ShouldBe("abc");
        training.NextStep.ShouldBe(new RunStep(queued.Id, RunStepKind.TrainEpoch, 1));

        var afterOne = training.CompleteEpoch(1, T0.AddSeconds(3));
        afterOne.Status.ShouldBe(RunStatus.Training);
        afterOne.EpochsCompleted.ShouldBe(1);
        afterOne.NextStep.ShouldBe(new RunStep(queued.Id, RunStepKind.TrainEpoch, 2));

        var evaluating = afterOne.CompleteEpoch(2, T0.AddSeconds(4));
        evaluating.Status.ShouldBe(RunStatus.Evaluating, "the last epoch hands the run to evaluation");
        evaluating.EpochsCompleted.ShouldBe(2);
        evaluating.NextStep.ShouldBe(new RunStep(queued.Id, RunStepKind.Evaluate));

        var succeeded = evaluating.Succeed(T0.AddSeconds(5));
        succeeded.IsFinished.ShouldBeTrue();
        succeeded.NextStep.ShouldBeNull();
        succeeded.DatasetVersionHash.ShouldBe("abc");
        succeeded.Hyperparameters.ShouldBe(TwoEpochs);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    public void Epochs_complete_in_order_and_each_once(int epoch)
    {
        var training = In(RunStatus.Training).CompleteEpoch(1, T0.AddMinutes(1));
        Should.Throw<RunTransitionException>(() => training.CompleteEpoch(epoch, T0.AddMinutes(2)))
            .Message.ShouldContain("has completed 1 epochs");
    }

    [Fact]
    public void Diverging_records_where_and_why_and_failing_records_why()
    {
        var diverged = In(RunStatus.Diverged);
        diverged.Divergence.ShouldBe(new Divergence(1, 7));
        diverged.Error.ShouldBe("loss NaN");
        diverged.NextStep.ShouldBeNull();

        var failed = In(RunStatus.Training).Fail("TrainEpoch: out of memory", T0.AddMinutes(1));
        failed.Error.ShouldBe("TrainEpoch: out of memory");
        failed.EpochsCompleted.ShouldBe(0);
        failed.DatasetVersionHash.ShouldBe("v1", "a failed run keeps the version it trained on");
    }

    [Fact]
    public void A_step_is_current_only_while_the_run_allows_it()
    {
        var preprocessing = In(RunStatus.Preprocessing);
        var id = preprocessing.Id;
        preprocessing.IsCurrent(new RunStep(id, RunStepKind.Preprocess)).ShouldBeTrue();
        preprocessing.IsCurrent(new RunStep(id, RunStepKind.PreprocessShard, Shard: 4)).ShouldBeTrue("any shard of its version, while it preprocesses");
        preprocessing.IsCurrent(new RunStep(id, RunStepKind.PreprocessMerge)).ShouldBeTrue();
        preprocessing.IsCurrent(new RunStep(id, RunStepKind.TrainEpoch, 1)).ShouldBeFalse();
        preprocessing.IsCurrent(new RunStep(Guid.NewGuid(), RunStepKind.Preprocess)).ShouldBeFalse("another run's step");

        var training = In(RunStatus.Training).CompleteEpoch(1, T0.AddMinutes(1));
        training.IsCurrent(new RunStep(training.Id, RunStepKind.TrainEpoch, 2)).ShouldBeTrue();
        training.IsCurrent(new RunStep(training.Id, RunStepKind.TrainEpoch, 1)).ShouldBeFalse("a job fetched twice after its epoch was recorded");
        training.IsCurrent(new RunStep(training.Id, RunStepKind.PreprocessShard)).ShouldBeFalse();
        training.IsCurrent(new RunStep(training.Id, RunStepKind.Evaluate)).ShouldBeFalse();

        var cancelled = training.Cancel(T0.AddMinutes(2));
        foreach (var kind in Enum.GetValues<RunStepKind>())
        {
            cancelled.IsCurrent(new RunStep(cancelled.Id, kind, 2)).ShouldBeFalse($"{kind} of a cancelled run");
        }
    }

    [Fact]
    public void A_reproduction_names_its_source_and_starts_queued()
    {
        var source = In(RunStatus.Succeeded);
        var copy = Run.Queue(source.ExperimentId, source.Hyperparameters, T0.AddDays(1), sourceRunId: source.Id);
        copy.SourceRunId.ShouldBe(source.Id);
        copy.Id.ShouldNotBe(source.Id);
        copy.Status.ShouldBe(RunStatus.Queued);
        copy.Hyperparameters.ShouldBe(source.Hyperparameters);
        copy.CreatedAt.ShouldBe(T0.AddDays(1));
    }
}
