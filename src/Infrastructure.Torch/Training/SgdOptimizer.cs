using AlexNet.Experiments.Domain.Experiments;
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
        ArgumentNullException.ThrowIfNull(gradients);
        if (gradients.Count != parameters.Count)
        {
            throw new ArgumentException($"Expected {parameters.Count} gradients, got {gradients.Count}.", nameof(gradients));
        }

        using var noGrad = no_grad();
        for (int i = 0; i < parameters.Count; i++)
        {
            var w = parameters[i];
            var g = gradients[i];
            if (g is null)
            {
                continue;
            }

            var v = velocities[i];
            if (settings.UpdateRule == UpdateRule.Paper)
            {
                v.mul_(settings.Momentum).add_(w, alpha: -settings.WeightDecay * learningRate).add_(g, alpha: -learningRate);
                w.add_(v);
            }
            else
            {
                v.mul_(settings.Momentum).add_(g).add_(w, alpha: settings.WeightDecay);
                w.add_(v, alpha: -learningRate);
            }
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
