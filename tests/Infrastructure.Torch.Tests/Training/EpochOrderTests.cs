using AlexNet.Experiments.Infrastructure.Torch.Training;

namespace AlexNet.Experiments.Infrastructure.Torch.Tests.Training;

public sealed class EpochOrderTests
{
    [Fact]
    public void Without_a_subset_an_epoch_is_the_whole_split_in_the_epoch_seeds_shuffle_as_before()
    {
        TrainingSession.EpochOrder(100, trainImages: 0, runSeed: 1, epochSeed: 42).ShouldBe(DeterministicSeed.Shuffle(100, 42));
        TrainingSession.EpochOrder(100, trainImages: 100, runSeed: 1, epochSeed: 42).ShouldBe(DeterministicSeed.Shuffle(100, 42));
        TrainingSession.EpochOrder(100, trainImages: 500, runSeed: 1, epochSeed: 42).ShouldBe(DeterministicSeed.Shuffle(100, 42));
    }

    [Fact]
    public void A_subset_is_the_same_images_every_epoch_in_a_new_order_each_epoch()
    {
        var epoch1 = TrainingSession.EpochOrder(1000, trainImages: 100, runSeed: 3, epochSeed: DeterministicSeed.For(3, 1));
        var epoch2 = TrainingSession.EpochOrder(1000, trainImages: 100, runSeed: 3, epochSeed: DeterministicSeed.For(3, 2));

        epoch1.Length.ShouldBe(100);
        epoch1.Distinct().Count().ShouldBe(100);
        epoch1.ShouldAllBe(i => i >= 0 && i < 1000);
        epoch2.Order().ShouldBe(epoch1.Order(), "the subset is drawn from the run's seed, not the epoch's");
        epoch2.ShouldNotBe(epoch1);
        epoch1.Order().ShouldNotBe(Enumerable.Range(0, 100), "a random subset, not the first images of the file");

        var otherSeed = TrainingSession.EpochOrder(1000, trainImages: 100, runSeed: 4, epochSeed: DeterministicSeed.For(3, 1));
        otherSeed.Order().ShouldNotBe(epoch1.Order());
    }

    /// <summary>The results API reads images seen as epochs by the Domain's rule; the trainer's epochs must be that long.</summary>
    [Theory]
    [InlineData(0)]
    [InlineData(30)]
    [InlineData(100)]
    [InlineData(500)]
    public void An_epoch_is_as_long_as_the_hyperparameters_say(int trainImages) =>
        TrainingSession.EpochOrder(100, trainImages, runSeed: 1, epochSeed: 42).Length
            .ShouldBe(new Domain.Experiments.DataHyperparameters { TrainImages = trainImages }.ImagesPerEpoch(100));
}
