using AlexNet.Experiments.Domain.Training;
using AlexNet.Experiments.Infrastructure.Torch.Training;

namespace AlexNet.Experiments.Infrastructure.Torch.Tests.Training;

/// <summary>
/// glibc keeps what libtorch frees while a step computes (<see cref="NativeHeap"/>); the step gives it back when it ends,
/// else a process serving run after run holds what its steps freed (docs/RELIABILITY.md, "Memory over many runs"). In the
/// training collection, which runs alone, so no other test allocates meanwhile.
/// </summary>
[Collection(TorchTrainingCollection.Name)]
public sealed class StepMemoryTests(TrainedRunFixture fixture)
{
    private const long MiB = 1 << 20;

    [Fact]
    public async Task An_epoch_and_an_evaluation_give_back_the_memory_they_freed_when_they_end()
    {
        // Half width: fc7's weights, gradients and velocities are 16 MB each, under glibc's 32 MiB mmap threshold, so in the heap.
        var hp = fixture.Hyperparameters with { Model = fixture.Hyperparameters.Model with { WidthMultiplier = 0.5 } };
        var directory = fixture.NewDirectory("step-memory");

        // Without giving back, each gave back under 3 MB of what it had resident at its peak.
        (await GivenBackAsync(() => TrainedRunFixture.CreateTrainer().TrainWholeEpochAsync(fixture.Request(1, directory, hp))))
            .ShouldBeGreaterThan(32 * MiB, "an epoch at half width frees about 50 MB of weights, gradients, velocities and activations");
        (await GivenBackAsync(() => new TorchEvaluator(TimeProvider.System).EvaluateAsync(
                new EvaluationRequest(fixture.RunId, hp, fixture.Dataset, Checkpoint.PathFor(directory, 1)), CancellationToken.None)))
            .ShouldBeGreaterThan(24 * MiB, "an evaluation at half width frees about 40 MB of weights and activations");
    }

    /// <summary>How far the resident set fell from its peak during the step to where it is once the step has ended.</summary>
    private static async Task<long> GivenBackAsync(Func<Task> step)
    {
        ProcessMemory.ResetPeak().ShouldBeTrue("Linux lets a process reset its peak resident set (/proc/self/clear_refs)");
        await step();
        var after = ProcessMemory.Now();
        return after.PeakResidentBytes!.Value - after.ResidentBytes;
    }
}
