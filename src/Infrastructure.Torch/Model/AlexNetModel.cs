using AlexNet.Experiments.Domain.Experiments;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AlexNet.Experiments.Infrastructure.Torch.Model;

/// <summary>
/// Krizhevsky et al. (2012). With one device both towers share grouped convolutions; with two devices each tower
/// is its own module on its own device, and activations cross devices only into conv3, fc6, fc7 and fc8.
/// </summary>
public sealed class AlexNetModel : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<Tower> towers;
    private readonly Linear fc8;
    private readonly string[] deviceNames;

    private AlexNetModel(ModelHyperparameters model, int classCount, AlexNetGeometry geometry, IReadOnlyList<Device> devices) : base("AlexNet")
    {
        Hyperparameters = model;
        ClassCount = classCount;
        deviceNames = [.. model.Devices];
        towers = devices.Count == 1
            ? nn.ModuleList(new Tower("tower", model, geometry, share: 1, groups: model.Towers, devices[0]))
            : nn.ModuleList(
                new Tower("towerA", model, geometry, share: 2, groups: 1, devices[0]),
                new Tower("towerB", model, geometry, share: 2, groups: 1, devices[1]));
        fc8 = Tower.UninitialisedLinear(geometry.Fc, classCount, devices[0].type == DeviceType.META ? devices[0] : CPU);
        fc8.to(devices[0]);
        RegisterComponents();
    }

    public ModelHyperparameters Hyperparameters { get; }

    public int ClassCount { get; }

    /// <summary>How activations are laid out in memory on the CPU; settable so a built network can be compared both ways.</summary>
    public ActivationLayout Layout { get; set; } = ActivationLayout.ChannelsLast;

    /// <summary>Where inputs should be placed (tower A's device); logits and features are returned there too.</summary>
    public Device InputDevice => towers[0].Device;

    /// <summary>
    /// The run's own CPU generator that dropout masks are drawn from in training mode; training without one throws, so a
    /// run never falls back to libtorch's global generator, which concurrent runs would share. Eval mode draws nothing.
    /// </summary>
    public Generator? DropoutGenerator { get; set; }

    /// <summary>Builds the network on the devices in <paramref name="model"/> and initialises it from <paramref name="seed"/> as the paper does.</summary>
    /// <remarks>
    /// Weights are drawn for the grouped layout and then split, so a seed gives the same network whatever the device plan.
    /// Only a generator of its own is drawn from: building a model never reads or writes libtorch's global generator.
    /// </remarks>
    public static AlexNetModel Create(ModelHyperparameters model, int classCount, long seed)
    {
        var net = Build(model, classCount, deviceOverride: null);
        net.Initialise(model.Init, model.PixelScale, seed);
        return net;
    }

    /// <summary>Validates the plan and builds the layers, uninitialised; <paramref name="deviceOverride"/> puts every tower on one device (e.g. meta) but keeps the plan's layout.</summary>
    internal static AlexNetModel Build(ModelHyperparameters model, int classCount, Device? deviceOverride)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (classCount < 1)
        {
            throw new ArgumentException($"classCount must be at least 1, got {classCount}.", nameof(classCount));
        }

        if (model.Towers is not (1 or 2))
        {
            throw new ArgumentException($"Towers must be 1 or 2, got {model.Towers}.", nameof(model));
        }

        if (model.Devices is null || model.Devices.Count is not (1 or 2))
        {
            throw new ArgumentException($"Devices must list one device (both towers on it) or two (one per tower), got {model.Devices?.Count ?? 0}.", nameof(model));
        }

        if (model.Devices.Count == 2 && model.Towers == 1)
        {
            throw new ArgumentException("Two devices need two towers: the single-tower network cannot be split across devices.", nameof(model));
        }

        var geometry = AlexNetGeometry.For(model);
        if (geometry.Pool5Output < 1)
        {
            throw new ArgumentException(
                $"Input size {model.InputSize} is too small for conv1 {model.Conv1.Kernel}/{model.Conv1.Stride} and pooling {model.Pooling.Kernel}/{model.Pooling.Stride}: " +
                $"pool5 would have no output (minimum input size {AlexNetGeometry.MinimumInputSize(model)}).",
                nameof(model));
        }

        var devices = model.Devices.Select(name =>
        {
            var device = TorchDevices.ToTorch(ComputeDevice.Parse(name));
            if (deviceOverride is not null)
            {
                return deviceOverride;
            }

            TorchDevices.EnsureAvailable(device, name);
            return device;
        }).ToList();
        return new AlexNetModel(model, classCount, geometry, devices);
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return forward(input, DrawDropoutNoise(input.shape[0])).MoveToOuterDisposeScope();
    }

    /// <summary>The logits with dropout from <paramref name="noise"/> (null: none), e.g. rows of a batch's noise drawn once for all its slices.</summary>
    public Tensor forward(Tensor input, DropoutNoise? noise)
    {
        using var scope = NewDisposeScope();
        var hidden7 = Trunk(input, noise, observe: null);
        return fc8.forward(ApplyDropout([hidden7], noise?.Hidden7)[0]).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Dropout's noise for a training batch of <paramref name="batch"/> images, as libtorch's CPU dropout makes it
    /// (bernoulli(1 - p) / (1 - p)), drawn from <see cref="DropoutGenerator"/>: fc6's, then fc7's. Null in eval mode or without dropout.
    /// </summary>
    public DropoutNoise? DrawDropoutNoise(long batch)
    {
        double p = Hyperparameters.Dropout;
        if (!training || p == 0)
        {
            return null;
        }

        var generator = DropoutGenerator ?? throw new InvalidOperationException("Training draws dropout masks from the run's generator: set DropoutGenerator first.");
        // Held, not converted implicitly: see SgdOptimizer.UpdateFactors.
        using var keep = (1 - p).ToScalar();
        Tensor Draw() => empty([batch, fc8.in_features]).bernoulli_(1 - p, generator).div_(keep);
        var hidden6 = Draw();
        return new DropoutNoise(hidden6, Draw());
    }

    /// <summary>The last hidden layer (fc7 after its activation, N x 4096 at full size), the paper's feature for nearest-neighbour retrieval.</summary>
    public Tensor Fc7Features(Tensor input)
    {
        using var scope = NewDisposeScope();
        return Trunk(input, noise: null, observe: null).MoveToOuterDisposeScope();
    }

    /// <summary>Every learnable parameter in canonical order, each as its per-tower shards.</summary>
    public IReadOnlyList<ShardedParameter> ShardedParameters()
    {
        var layers = towers.Select(t => t.Layers().ToList()).ToList();
        var result = new List<ShardedParameter>();
        for (int i = 0; i < layers[0].Count; i++)
        {
            string layer = layers[0][i].Layer;
            result.Add(new ShardedParameter($"{layer}.weight", [.. layers.Select(l => l[i].Weight)]));
            result.Add(new ShardedParameter($"{layer}.bias", [.. layers.Select(l => l[i].Bias)]));
        }

        result.Add(new ShardedParameter("fc8.weight", [fc8.weight!]));
        result.Add(new ShardedParameter("fc8.bias", [fc8.bias!]));
        return result;
    }

    /// <summary>Copies another network's weights into this one, converting between the grouped and the two-tower layout.</summary>
    public void LoadFrom(AlexNetModel other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var source = other.ShardedParameters();
        var target = ShardedParameters();
        if (source.Count != target.Count)
        {
            throw new ArgumentException("The networks have different layers.", nameof(other));
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        for (int i = 0; i < target.Count; i++)
        {
            var from = source[i];
            var to = target[i];
            var full = Gather(from.Shards);
            long[] expected = CanonicalShape(to.Shards);
            if (from.Name != to.Name || !full.shape.SequenceEqual(expected))
            {
                throw new ArgumentException(
                    $"Cannot load {from.Name} [{string.Join(", ", full.shape)}] into {to.Name} [{string.Join(", ", expected)}]: the hyperparameters differ.",
                    nameof(other));
            }

            Scatter(full, to.Shards);
        }
    }

    /// <summary>Runs the network and reports every layer's output, the parameters it holds and the device it runs on.</summary>
    internal void Trace(Tensor input, Action<string, Tensor, long, string> observe)
    {
        using var scope = NewDisposeScope();
        var noise = DrawDropoutNoise(input.shape[0]);
        var hidden7 = Trunk(input, noise, (tower, layer, output, parameters) =>
            observe(towers.Count == 1 ? layer : $"{layer}.{(char)('A' + tower)}", output, parameters, deviceNames[tower]));
        var logits = fc8.forward(ApplyDropout([hidden7], noise?.Hidden7)[0]);
        observe("fc8", logits, fc8.parameters().Sum(p => p.numel()), deviceNames[0]);
    }

    private Tensor Trunk(Tensor input, DropoutNoise? noise, Action<int, string, Tensor, long>? observe)
    {
        LayerObserver? For(int tower) => observe is null ? null : (layer, output, parameters) => observe(tower, layer, output, parameters);

        var parts = towers.Select((t, i) => t.Stage1(Arrange(input.to(t.Device), Layout), For(i))).ToArray();
        parts = towers.Select((t, i) => t.Stage2(Join(parts, t.Device), For(i))).ToArray();
        parts = ApplyDropout(towers.Select((t, i) => t.Hidden6(Join(parts, t.Device), For(i))).ToArray(), noise?.Hidden6);
        parts = towers.Select((t, i) => t.Hidden7(Join(parts, t.Device), For(i))).ToArray();
        return Join(parts, InputDevice);
    }

    /// <summary>
    /// Images in <paramref name="layout"/> on the CPU. libtorch's convolutions hand a channels-last input's layout on to their
    /// output, so it carries through every layer (the fused LRN and max pooling have channels-last kernels) up to fc6.
    /// </summary>
    internal static Tensor Arrange(Tensor images, ActivationLayout layout) =>
        layout == ActivationLayout.ChannelsLast && images.device_type == DeviceType.CPU ? ChannelsLast.Of(images) : images;

    /// <summary>
    /// output = input * noise. One noise row spans every tower's units in canonical order, so a seed drops the same units
    /// whatever the device plan.
    /// </summary>
    private static Tensor[] ApplyDropout(Tensor[] parts, Tensor? noise)
    {
        if (noise is null)
        {
            return parts;
        }

        long offset = 0;
        var dropped = new Tensor[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            long width = parts[i].shape[1];
            dropped[i] = parts[i].mul(noise.narrow(1, offset, width).to(parts[i].device));
            offset += width;
        }

        return dropped;
    }

    /// <summary>Where towers exchange activations: every tower's output, moved to one device and stacked along channels.</summary>
    private static Tensor Join(Tensor[] parts, Device device) =>
        parts.Length == 1 ? parts[0].to(device) : cat(parts.Select(p => p.to(device)).ToArray(), 1);

    private void Initialise(InitHyperparameters init, double pixelScale, long seed)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var generator = new Generator(unchecked((ulong)seed));
        string[] oneBias = ["conv2.bias", "conv4.bias", "conv5.bias", "fc6.bias", "fc7.bias"];
        foreach (var parameter in ShardedParameters())
        {
            long[] shape = CanonicalShape(parameter.Shards);
            var values = parameter.Name.EndsWith(".weight", StringComparison.Ordinal)
                ? empty(shape).normal_(0, InitialWeights.Std(init, pixelScale, parameter.Name, shape), generator)
                : full(shape, init.OneBiasInHiddenLayers && oneBias.Contains(parameter.Name) ? 1f : 0f);
            Scatter(values, parameter.Shards);
        }
    }

    private static long[] CanonicalShape(IReadOnlyList<Parameter> shards)
    {
        long[] shape = shards[0].shape;
        shape[0] = shards.Sum(s => s.shape[0]);
        return shape;
    }

    private static Tensor Gather(IReadOnlyList<Parameter> shards) =>
        shards.Count == 1 ? shards[0].detach().cpu() : cat(shards.Select(s => s.detach().cpu()).ToArray(), 0);

    private static void Scatter(Tensor full, IReadOnlyList<Parameter> shards)
    {
        long offset = 0;
        foreach (var shard in shards)
        {
            long rows = shard.shape[0];
            shard.copy_(full.narrow(0, offset, rows));
            offset += rows;
        }
    }
}
