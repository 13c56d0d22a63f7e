using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Infrastructure.Torch.Threading;
using AlexNet.Experiments.Infrastructure.Torch.Training;
using static TorchSharp.torch;

namespace AlexNet.Experiments.Infrastructure.Torch.Tests.Training;

/// <summary>
/// A batch computed as slices on single-threaded workers is the same SGD step as the whole batch at once: the same
/// dropout units, the mean loss, and its gradient as the sum of the slices' shares.
/// </summary>
[Collection(TorchTrainingCollection.Name)]
public sealed class BatchSliceTests
{
    private const int Batch = 10, Classes = 5;

    private static readonly Hyperparameters Settings = TrainedRunFixture.Tiny(seed: 4) with
    {
        BatchSize = Batch,
        Model = TrainedRunFixture.Tiny(seed: 4).Model with { InputSize = 35, Conv1 = new Conv1Hyperparameters { Kernel = 5, Stride = 2 } },
    };

    [Theory]
    [InlineData(2)]
    [InlineData(3)] // 10 images: slices of 3, 3 and 4
    [InlineData(10)]
    public void A_sliced_step_is_the_whole_batch_step(int slices)
    {
        using var scope = NewDisposeScope();
        var (images, labels) = RandomBatch(seed: 11);

        var whole = StepOnce(Settings, images, labels);
        var sliced = StepOnce(Settings with { BatchSlices = slices }, images, labels);

        sliced.Loss.ShouldBe(whole.Loss, 1e-5 * whole.Loss);
        sliced.Top1.ShouldBe(whole.Top1);
        for (int i = 0; i < whole.Updates.Length; i++)
        {
            // Equal up to float rounding (Tiny has dropout 0.5): a noise row or a gradient share out of place moves some
            // weights by about their whole update.
            double scale = whole.Updates[i].abs().max().item<float>();
            scale.ShouldBeGreaterThan(0);
            ((double)(sliced.Updates[i] - whole.Updates[i]).abs().max().item<float>()).ShouldBeLessThan(1e-3 * scale, $"parameter {i}");
        }
    }

    [Fact]
    public void Sliced_steps_repeat_bit_for_bit_and_do_not_depend_on_the_callers_libtorch_threads()
    {
        using var scope = NewDisposeScope();
        var (images, labels) = RandomBatch(seed: 13);
        var settings = Settings with { BatchSlices = 3 };

        var first = StepOnce(settings, images, labels);
        StepResult? fromSingleThread = null;
        var thread = new Thread(() =>
        {
            using var threadScope = NewDisposeScope();
            IntraOpThreads.UseOnlyTheCallingThread();
            var result = StepOnce(settings, images, labels);
            fromSingleThread = result with { Updates = [.. result.Updates.Select(u => u.DetachFromDisposeScope())] };
        });
        thread.Start();
        thread.Join();

        fromSingleThread.ShouldNotBeNull();
        fromSingleThread.Loss.ShouldBe(first.Loss);
        for (int i = 0; i < first.Updates.Length; i++)
        {
            fromSingleThread.Updates[i].bytes.ToArray().ShouldBe(first.Updates[i].bytes.ToArray(), $"parameter {i}");
            fromSingleThread.Updates[i].Dispose();
        }
    }

    [Fact]
    public void Workers_compute_on_one_libtorch_thread_and_leave_the_callers_count_alone()
    {
        int before = get_num_threads();
        var counts = new int[Environment.ProcessorCount + 1];

        TorchWorkers.RunEachOnWorker(counts.Length, item => counts[item] = get_num_threads());

        counts.ShouldAllBe(count => count == 1);
        get_num_threads().ShouldBe(before);
    }

    [Fact]
    public async Task Work_shared_out_from_a_worker_runs_there_instead_of_waiting_for_busy_workers()
    {
        int outer = Environment.ProcessorCount, inner = 3;
        var done = new int[outer * inner];
        var finished = Task.Run(() => TorchWorkers.RunEachOnWorker(outer, o => TorchWorkers.RunEachOnWorker(inner, i => done[(o * inner) + i]++)));

        (await Task.WhenAny(finished, Task.Delay(TimeSpan.FromSeconds(30)))).ShouldBe(finished, "nested work deadlocked");
        done.ShouldAllBe(count => count == 1);
    }

    private sealed record StepResult(double Loss, long Top1, Tensor[] Updates);

    /// <summary>One SGD step from the seed's initial network; returns the loss and each parameter's change.</summary>
    private static StepResult StepOnce(Hyperparameters hyperparameters, Tensor images, Tensor labels)
    {
        using var session = new TrainingSession(hyperparameters, Classes, epochSeed: 21);
        var before = session.Optimizer.Parameters.Select(p => p.detach().clone()).ToArray();
        var totals = new EpochTotals();
        double loss = session.Step(images, labels, learningRate: 0.05, totals);
        var updates = session.Optimizer.Parameters.Select((p, i) => p.detach() - before[i]).ToArray();
        return new StepResult(loss, totals.Top1Correct, updates);
    }

    private static (Tensor Images, Tensor Labels) RandomBatch(int seed)
    {
        using var generator = new Generator((ulong)seed);
        var images = randn([Batch, 3, Settings.Model.InputSize, Settings.Model.InputSize], generator: generator) * 50;
        var labels = randint(Classes, [Batch], generator: generator);
        return (images, labels);
    }
}
