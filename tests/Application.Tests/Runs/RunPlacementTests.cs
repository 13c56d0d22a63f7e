using AlexNet.Experiments.Application.Runs;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Jobs;

namespace AlexNet.Experiments.Application.Tests;

public sealed class RunPlacementTests
{
    private static Run RunOn(int epochs, params string[] devices) => Run.Queue(
        Guid.NewGuid(), new Hyperparameters { Epochs = epochs, Model = new ModelHyperparameters { Devices = devices } }, DateTimeOffset.UnixEpoch);

    [Theory]
    [InlineData(new[] { "cpu" }, "train-cpu")]
    [InlineData(new[] { "cuda:0" }, "train-gpu")]
    [InlineData(new[] { "cpu", "cuda:1" }, "train-gpu")]
    public void Training_goes_to_the_queue_of_the_device_plan_and_preprocessing_and_evaluation_to_their_own(string[] devices, string trainingQueue)
    {
        var run = RunOn(90, devices);
        RunStepQueue.Placement(run, new RunStep(run.Id, RunStepKind.TrainEpoch, 1)).Queue.ShouldBe(trainingQueue);
        RunStepQueue.Placement(run, new RunStep(run.Id, RunStepKind.Preprocess)).ShouldBe(new JobPlacement(WorkQueues.Preprocess));
        RunStepQueue.Placement(run, new RunStep(run.Id, RunStepKind.Evaluate)).ShouldBe(new JobPlacement(WorkQueues.Evaluate));
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 1)]
    [InlineData(3, 1)]
    [InlineData(4, 2)]
    [InlineData(90, 6)]
    [InlineData(512, 9)]
    [InlineData(100_000, 9)]
    public void A_training_step_tier_is_log2_of_the_epochs_left_including_its_own(int epochsLeft, int tier)
    {
        var run = RunOn(100_000, "cpu");
        RunStepQueue.Placement(run, new RunStep(run.Id, RunStepKind.TrainEpoch, 100_000 - epochsLeft + 1)).Tier.ShouldBe(tier);
    }
}
