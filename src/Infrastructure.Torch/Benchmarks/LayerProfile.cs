using System.Diagnostics;
using System.Text.Json.Nodes;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Infrastructure.Torch.Model;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AlexNet.Experiments.Infrastructure.Torch.Benchmarks;

/// <summary>
/// The network's layers one at a time, each forward and backward on a batch of its own input size, computed as the model
/// computes them (the same layer classes, memory layout and kernels): where a training step's time goes.
/// </summary>
internal sealed class LayerProfile : IDisposable
{
    private readonly List<Stage> stages;

    private LayerProfile(List<Stage> stages) => this.stages = stages;

    public IReadOnlyList<string> Layers => [.. stages.Select(s => s.Layer)];

    /// <summary>The layers of <paramref name="model"/> (one device, towers grouped) for batches of <paramref name="batch"/>.</summary>
    public static LayerProfile For(ModelHyperparameters model, int batch, int classCount)
    {
        var g = AlexNetGeometry.For(model);
        int groups = model.Towers, k = model.Pooling.Kernel, s = model.Pooling.Stride;
        long[] Image(int channels, int size) => [batch, channels, size, size];
        nn.Module<Tensor, Tensor> Lrn() => model.Lrn.Enabled ? new Lrn(model.Lrn, groups) : nn.Identity();
        var stages = new List<Stage>
        {
            new("conv1", Image(3, model.InputSize), Activated(nn.Conv2d(3, g.Conv1, model.Conv1.Kernel, stride: model.Conv1.Stride, padding: model.Conv1.Padding), model), inputGradient: false),
            new("lrn1", Image(g.Conv1, g.Conv1Output), Lrn()),
            new("pool1", Image(g.Conv1, g.Conv1Output), new MaxPool(k, s)),
            new("conv2", Image(g.Conv1, g.Pool1Output), Activated(nn.Conv2d(g.Conv1, g.Conv2, 5, padding: 2, groups: groups), model)),
            new("lrn2", Image(g.Conv2, g.Pool1Output), Lrn()),
            new("pool2", Image(g.Conv2, g.Pool1Output), new MaxPool(k, s)),
            new("conv3", Image(g.Conv2, g.Pool2Output), Activated(nn.Conv2d(g.Conv2, g.Conv3, 3, padding: 1), model)),
            new("conv4", Image(g.Conv3, g.Pool2Output), Activated(nn.Conv2d(g.Conv3, g.Conv4, 3, padding: 1, groups: groups), model)),
            new("conv5", Image(g.Conv4, g.Pool2Output), Activated(nn.Conv2d(g.Conv4, g.Conv5, 3, padding: 1, groups: groups), model)),
            new("pool5", Image(g.Conv5, g.Pool2Output), new MaxPool(k, s)),
            new("fc6", [batch, g.FlattenedFeatures], Activated(nn.Linear(g.FlattenedFeatures, g.Fc), model)),
            new("fc7", [batch, g.Fc], Activated(nn.Linear(g.Fc, g.Fc), model)),
            new("fc8", [batch, g.Fc], nn.Linear(g.Fc, classCount)),
        };
        return new LayerProfile(stages);
    }

    /// <summary>Each layer's name and input shape, for the other side of a comparison to build the same inputs.</summary>
    public JsonArray Describe() =>
        [.. stages.Select(s => new JsonObject { ["name"] = s.Layer, ["input"] = new JsonArray([.. s.Input.Select(d => JsonValue.Create(d))]) })];

    /// <summary>Seconds for one forward and backward of <paramref name="layer"/>.</summary>
    public double Time(string layer)
    {
        var stage = stages.Single(s => s.Layer == layer);
        var clock = Stopwatch.StartNew();
        stage.Run();
        return clock.Elapsed.TotalSeconds;
    }

    public void Dispose()
    {
        foreach (var stage in stages)
        {
            stage.Dispose();
        }
    }

    private static nn.Module<Tensor, Tensor> Activated(nn.Module<Tensor, Tensor> layer, ModelHyperparameters model) =>
        nn.Sequential(layer, model.Activation == Activation.Tanh ? nn.Tanh() : nn.ReLU());

    /// <summary>One layer with a fixed input, in the layout the model gives it, and a fixed upstream gradient.</summary>
    private sealed class Stage : IDisposable
    {
        private readonly nn.Module<Tensor, Tensor> module;
        private readonly Tensor input;
        private readonly Tensor upstream;
        private readonly bool inputGradient;

        public Stage(string layer, long[] input, nn.Module<Tensor, Tensor> module, bool inputGradient = true)
        {
            Layer = layer;
            Input = input;
            this.module = module;
            this.inputGradient = inputGradient;
            using var generator = new Generator(1);
            var values = randn(input, generator: generator);
            this.input = InModelLayout(values);
            using var noGrad = no_grad();
            using var output = module.forward(this.input);
            upstream = InModelLayout(randn(output.shape, generator: generator));
        }

        public string Layer { get; }

        public long[] Input { get; }

        public void Run()
        {
            using var scope = NewDisposeScope();
            var x = input.detach().requires_grad_(inputGradient);
            module.forward(x).backward([upstream]);
            module.zero_grad();
        }

        private static Tensor InModelLayout(Tensor values) =>
            values.dim() == 4 ? AlexNetModel.Arrange(values, ActivationLayout.ChannelsLast) : values;

        public void Dispose()
        {
            module.Dispose();
            input.Dispose();
            upstream.Dispose();
        }
    }
}
