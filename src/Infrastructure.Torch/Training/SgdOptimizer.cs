using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Infrastructure.Torch.Threading;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AlexNet.Experiments.Infrastructure.Torch.Training;

/// <summary>
/// SGD with momentum and weight decay in either form. Paper: v = m v - wd lr w - lr g; w += v.
/// PyTorch: b = m b + g + wd w; w -= lr b. They agree while lr is constant (v = -lr b) and part at a drop,
/// where the paper's velocity still carries the old rate.
/// </summary>
public sealed class SgdOptimizer : IDisposable
{
    private readonly IReadOnlyList<Parameter> parameters;
    private readonly Tensor[] velocities;
    private readonly OptimizerHyperparameters settings;

    public SgdOptimizer(IEnumerable<Parameter> parameters, OptimizerHyperparameters settings)
    {
        this.parameters = parameters.ToList();
        this.settings = settings;
        velocities = this.parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
    }

    public void ZeroGrad()
    {
        foreach (var p in parameters)
        {
            p.grad?.zero_();
        }
    }

    /// <summary>The parameters this optimiser updates, in the order <see cref="Step(double, IReadOnlyList{Tensor})"/> takes gradients.</summary>
    public IReadOnlyList<Parameter> Parameters => parameters;

    /// <summary>One update from the gradients the parameters hold.</summary>
    public void Step(double learningRate) => Step(learningRate, [.. parameters.Select(p => p.grad)]);

    /// <summary>One update from <paramref name="gradients"/>, one per parameter in <see cref="Parameters"/>' order (null: none).</summary>
    public void Step(double learningRate, IReadOnlyList<Tensor?> gradients)
    {
        CheckCount(gradients.Count);
        using var noGrad = no_grad();
        using var factors = new UpdateFactors(settings, learningRate);
        for (int i = 0; i < parameters.Count; i++)
        {
            if (gradients[i] is { } g)
            {
                factors.Update(parameters[i], velocities[i], g);
            }
        }
    }

    /// <summary>
    /// One update from the sum of <paramref name="gradientSets"/> (one set per batch slice, summed in set order into the first),
    /// shared out over the torch workers in blocks of rows. Every element gets the same operations in the same order as in
    /// <see cref="Step(double, IReadOnlyList{Tensor})"/> on the sum, so the result does not depend on the blocks or the workers.
    /// </summary>
    public void Step(double learningRate, IReadOnlyList<Tensor[]> gradientSets)
    {
        ArgumentOutOfRangeException.ThrowIfZero(gradientSets.Count);
        CheckCount(gradientSets[0].Length);
        var blocks = parameters.SelectMany((p, i) => RowBlocks(p).Select(block => (Parameter: i, block.Start, block.Rows))).ToArray();
        using var factors = new UpdateFactors(settings, learningRate);
        TorchWorkers.RunEachOnWorker(blocks.Length, b =>
        {
            var (i, start, rows) = blocks[b];
            using var noGrad = no_grad(); // autograd's mode is per thread
            using var scope = NewDisposeScope();
            var g = gradientSets[0][i].narrow(0, start, rows);
            for (int set = 1; set < gradientSets.Count; set++)
            {
                g.add_(gradientSets[set][i].narrow(0, start, rows), factors.One);
            }

            factors.Update(parameters[i].narrow(0, start, rows), velocities[i].narrow(0, start, rows), g);
        });
    }

    /// <summary>
    /// The update's factors as libtorch scalars held for the whole step. An implicit double-to-Scalar conversion is referenced
    /// only until its handle is read, so a collection during the native call can free it in use (seen once in about 15,000
    /// steps: "Unknown scalar type").
    /// </summary>
    private sealed class UpdateFactors(OptimizerHyperparameters settings, double learningRate) : IDisposable
    {
        private readonly bool paper = settings.UpdateRule == UpdateRule.Paper;
        private readonly Scalar momentum = settings.Momentum.ToScalar();
        private readonly Scalar decay = (settings.UpdateRule == UpdateRule.Paper ? -settings.WeightDecay * learningRate : settings.WeightDecay).ToScalar();
        private readonly Scalar step = (-learningRate).ToScalar();

        public Scalar One { get; } = 1.0.ToScalar();

        public void Update(Tensor w, Tensor v, Tensor g)
        {
            if (paper)
            {
                v.mul_(momentum).add_(w, decay).add_(g, step);
                w.add_(v, One);
            }
            else
            {
                v.mul_(momentum).add_(g, One).add_(w, decay);
                w.add_(v, step);
            }
        }

        public void Dispose()
        {
            momentum.Dispose();
            decay.Dispose();
            step.Dispose();
            One.Dispose();
        }
    }

    /// <summary>Blocks of whole rows (dim 0) of about <see cref="BlockElements"/> values: enough work to outweigh a dispatch.</summary>
    private static IEnumerable<(long Start, long Rows)> RowBlocks(Tensor parameter)
    {
        long rows = parameter.shape[0], rowElements = Math.Max(1, parameter.numel() / Math.Max(1, rows));
        long perBlock = Math.Max(1, BlockElements / rowElements);
        for (long start = 0; start < rows; start += perBlock)
        {
            yield return (start, Math.Min(perBlock, rows - start));
        }
    }

    private const long BlockElements = 1 << 18;

    private void CheckCount(int gradients)
    {
        if (gradients != parameters.Count)
        {
            throw new ArgumentException($"Expected {parameters.Count} gradients, got {gradients}.", nameof(gradients));
        }
    }

    public void Save(BinaryWriter writer)
    {
        writer.Write(velocities.Length);
        foreach (var v in velocities)
        {
            v.Save(writer);
        }
    }

    public void Load(BinaryReader reader)
    {
        int count = reader.ReadInt32();
        if (count != velocities.Length)
        {
            throw new InvalidDataException($"Checkpoint holds {count} velocity tensors; the model has {velocities.Length} parameters.");
        }

        foreach (var v in velocities)
        {
            v.Load(reader);
        }
    }

    public void Dispose()
    {
        foreach (var v in velocities)
        {
            v.Dispose();
        }
    }
}
