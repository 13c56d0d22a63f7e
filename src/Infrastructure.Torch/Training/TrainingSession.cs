using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Training;
using AlexNet.Experiments.Infrastructure.Storage.Datasets;
using static TorchSharp.torch;
using AlexNet.Experiments.Infrastructure.Torch.Augmentation;
using AlexNet.Experiments.Infrastructure.Torch.Model;
using AlexNet.Experiments.Infrastructure.Torch.Threading;
using TorchSharp;

namespace AlexNet.Experiments.Infrastructure.Torch.Training;

/// <summary>Running totals of one epoch's training batches.</summary>
public sealed class EpochTotals
{
    public EpochTotals()
    {
    }

    /// <summary>Totals of an epoch resumed from a partial checkpoint.</summary>
    public EpochTotals(double lossSum, long top1Correct, long top5Correct, long images)
    {
        LossSum = lossSum;
        Top1Correct = top1Correct;
        Top5Correct = top5Correct;
        Images = images;
    }

    public double LossSum { get; private set; }
    public long Top1Correct { get; private set; }
    public long Top5Correct { get; private set; }
    public long Images { get; private set; }

    public EpochTotals Copy() => new(LossSum, Top1Correct, Top5Correct, Images);

    public void Add(double meanLoss, long top1, long top5, int images)
    {
        LossSum += meanLoss * images;
        Top1Correct += top1;
        Top5Correct += top5;
        Images += images;
    }
}

/// <summary>A model, its optimiser and its dropout generator, and the one SGD step that the trainer and the benchmark both run.</summary>
public sealed class TrainingSession : IDisposable
{
    private readonly int cropSize;
    private readonly int slices;

    /// <param name="epochSeed">Seeds the session's own dropout generator (see <see cref="DeterministicSeed"/>).</param>
    public TrainingSession(Hyperparameters hyperparameters, int classCount, int epochSeed)
    {
        Model = AlexNetModel.Create(hyperparameters.Model, classCount, hyperparameters.Seed);
        Optimizer = new SgdOptimizer(Model.parameters(), hyperparameters.Optimizer);
        DropoutGenerator = new Generator(unchecked((ulong)epochSeed));
        Model.DropoutGenerator = DropoutGenerator;
        cropSize = hyperparameters.Model.InputSize;
        slices = hyperparameters.BatchSlices;
    }

    public AlexNetModel Model { get; }
    public SgdOptimizer Optimizer { get; }

    /// <summary>Where this session's dropout masks come from; its state is part of a partial checkpoint.</summary>
    public Generator DropoutGenerator { get; }

    /// <summary>
    /// Reproducible training batches for one epoch, from <paramref name="firstPosition"/> on: the order and every image's
    /// augmentation are seeded from the epoch seed and the image's position, so a resumed epoch sees the same batches.
    /// </summary>
    internal static BatchLoader TrainingBatches(
        PreprocessedSplit split, IAugmentation augmentation, int batchSize, int cropSize, int epochSeed, CancellationToken cancellationToken, int firstPosition = 0) =>
        TrainingBatches(split, DeterministicSeed.Shuffle(split.Count, epochSeed), augmentation, batchSize, cropSize, epochSeed, cancellationToken, firstPosition);

    /// <param name="epochOrder">The images of the epoch in the order they are trained (see <see cref="EpochOrder"/>).</param>
    internal static BatchLoader TrainingBatches(
        PreprocessedSplit split, int[] epochOrder, IAugmentation augmentation, int batchSize, int cropSize, int epochSeed, CancellationToken cancellationToken, int firstPosition = 0) =>
        new(epochOrder[firstPosition..], split.Label, batchSize, 3 * cropSize * cropSize,
            (position, index, pixels) => augmentation.Apply(
                split.Image(index), pixels, new Random(DeterministicSeed.For(epochSeed, firstPosition + position, 1))),
            prefetch: 3, cancellationToken);

    /// <summary>
    /// The training images of one epoch, shuffled by the epoch seed. With <paramref name="trainImages"/> below the split's size
    /// the run trains on a subset of that many, drawn once from the run's seed, so every epoch sees the same images.
    /// </summary>
    internal static int[] EpochOrder(int splitCount, int trainImages, int runSeed, int epochSeed)
    {
        if (trainImages <= 0 || trainImages >= splitCount)
        {
            return DeterministicSeed.Shuffle(splitCount, epochSeed);
        }

        var subset = DeterministicSeed.Shuffle(splitCount, DeterministicSeed.For(runSeed, 0))[..trainImages];
        return [.. DeterministicSeed.Shuffle(trainImages, epochSeed).Select(i => subset[i])];
    }

    /// <summary>One SGD step; returns the batch's mean loss, which the caller checks for divergence.</summary>
    public double Step(Batch batch, double learningRate, EpochTotals totals)
    {
        using var scope = NewDisposeScope();
        return Step(batch.Images(3, cropSize, cropSize), tensor(batch.Labels), learningRate, totals);
    }

    public double Step(Tensor images, Tensor labels, double learningRate, EpochTotals totals)
    {
        using var scope = NewDisposeScope();
        Model.train();
        return slices == 1 ? WholeBatchStep(images, labels, learningRate, totals) : SlicedStep(images, labels, learningRate, totals);
    }

    private double WholeBatchStep(Tensor images, Tensor labels, double learningRate, EpochTotals totals)
    {
        var x = images.to(Model.InputDevice);
        var y = labels.to(Model.InputDevice);
        var logits = Model.forward(x);
        var loss = nn.functional.cross_entropy(logits, y);
        Optimizer.ZeroGrad();
        loss.backward();
        Optimizer.Step(learningRate);

        var (top1, top5) = TopK.Correct(logits.detach(), y);
        float meanLoss = loss.item<float>();
        totals.Add(meanLoss, top1, top5, (int)y.shape[0]);
        return meanLoss;
    }

    /// <summary>
    /// The batch as <see cref="Hyperparameters.BatchSlices"/> slices (see <see cref="BatchSlices"/>). The dropout noise is
    /// drawn for the whole batch first, and the slices' gradients are summed in slice order.
    /// </summary>
    private double SlicedStep(Tensor images, Tensor labels, double learningRate, EpochTotals totals)
    {
        using var alone = IntraOpThreads.Alone();
        int count = (int)images.shape[0], parts = Math.Min(slices, count);
        var noise = Model.DrawDropoutNoise(count);
        var parameters = Optimizer.Parameters.Cast<Tensor>().ToList();
        var results = new SliceResult[parts];
        try
        {
            TorchWorkers.RunEachOnWorker(parts, slice =>
            {
                var (start, rows) = BatchSlices.Bounds(count, parts, slice);
                using var sliceScope = NewDisposeScope();
                var x = images.narrow(0, start, rows).to(Model.InputDevice);
                var y = labels.narrow(0, start, rows).to(Model.InputDevice);
                var logits = Model.forward(x, noise?.Rows(start, rows));
                // Each slice's share of the batch's mean loss, so the summed gradients are the mean's.
                using var batchSize = ((double)count).ToScalar(); // held: see SgdOptimizer.UpdateFactors
                var loss = nn.functional.cross_entropy(logits, y, reduction: nn.Reduction.Sum).div(batchSize);
                var gradients = torch.autograd.grad([loss], parameters);
                var (top1, top5) = TopK.Correct(logits.detach(), y);
                results[slice] = new SliceResult(loss.item<float>(), top1, top5, [.. gradients.Select(g => g.DetachFromDisposeScope())]);
            });

            Optimizer.Step(learningRate, [.. results.Select(r => r.Gradients)]);
        }
        finally
        {
            foreach (var gradient in results.Where(r => r is not null).SelectMany(r => r.Gradients))
            {
                gradient.Dispose();
            }
        }

        double meanLoss = results.Sum(r => (double)r.Loss);
        totals.Add(meanLoss, results.Sum(r => r.Top1), results.Sum(r => r.Top5), count);
        return meanLoss;
    }

    private sealed record SliceResult(float Loss, long Top1, long Top5, Tensor[] Gradients);

    public void Dispose()
    {
        Optimizer.Dispose();
        Model.Dispose();
        DropoutGenerator.Dispose();
    }
}
