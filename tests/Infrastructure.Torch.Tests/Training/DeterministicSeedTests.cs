using AlexNet.Experiments.Infrastructure.Torch.Training;

namespace AlexNet.Experiments.Infrastructure.Torch.Tests.Training;

public sealed class DeterministicSeedTests
{
    // Captured once from System.Random(42), whose seeded sequence the shuffle (and so every recorded run) depends on.
    private static readonly int[] PinnedShuffle = [6, 2, 3, 0, 5, 1, 8, 4, 7, 9];

    [Fact]
    public void Seeds_are_pinned_so_recorded_runs_stay_reproducible_across_releases()
    {
        // Literals computed once, independently of this code, from the SplitMix64 definition; a change here silently changes every run's shuffle, crops and dropout.
        DeterministicSeed.For(1, 1).ShouldBe(1910495663);
        DeterministicSeed.For(1, 2).ShouldBe(1520654864);
        DeterministicSeed.For(2, 1).ShouldBe(346184591);
        DeterministicSeed.For(7, 3, 1).ShouldBe(1461966795);
    }

    [Fact]
    public void Seeds_differ_across_epochs_positions_and_argument_order_and_are_non_negative()
    {
        var seeds = new List<int>();
        for (int epoch = 1; epoch <= 20; epoch++)
        {
            seeds.Add(DeterministicSeed.For(1, epoch));
            seeds.Add(DeterministicSeed.For(2, epoch));
            seeds.Add(DeterministicSeed.For(1, epoch, 1));
        }

        seeds.Distinct().Count().ShouldBe(seeds.Count);
        seeds.ShouldAllBe(s => s >= 0);
        DeterministicSeed.For(3, 5).ShouldNotBe(DeterministicSeed.For(5, 3));
        DeterministicSeed.For(3, 5).ShouldBe(DeterministicSeed.For(3, 5, 0));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(50)]
    public void Shuffle_is_a_permutation(int count)
    {
        DeterministicSeed.Shuffle(count, seed: 9).Order().ShouldBe(Enumerable.Range(0, count));
    }

    [Fact]
    public void Shuffle_is_reproducible_for_a_seed_and_pinned()
    {
        DeterministicSeed.Shuffle(100, 123).ShouldBe(DeterministicSeed.Shuffle(100, 123));
        DeterministicSeed.Shuffle(10, 42).ShouldBe(PinnedShuffle);
    }

    [Fact]
    public void Shuffle_differs_for_each_seed_and_epoch()
    {
        var orders = new List<int[]>();
        foreach (int seed in new[] { 1, 2 })
        {
            foreach (int epoch in new[] { 1, 2, 3 })
            {
                orders.Add(DeterministicSeed.Shuffle(50, DeterministicSeed.For(seed, epoch)));
            }
        }

        orders.Select(o => string.Join(',', o)).Distinct().Count().ShouldBe(orders.Count);
        orders.ShouldAllBe(o => !o.SequenceEqual(Enumerable.Range(0, 50)));
    }
}
