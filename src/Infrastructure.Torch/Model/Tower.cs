using AlexNet.Experiments.Domain.Experiments;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AlexNet.Experiments.Infrastructure.Torch.Model;

/// <summary>Reports one layer's output while the network runs; used to describe the model.</summary>
internal delegate void LayerObserver(string layer, Tensor output, long parameters);

/// <summary>
/// The layers that live on one device: one of the paper's two towers (groups 1, half widths), or both towers
/// fused into grouped convolutions, or the single-tower ablation. Stages end where activations cross towers.
/// </summary>
internal sealed class Tower : nn.Module
{
    private readonly Conv2d conv1, conv2, conv3, conv4, conv5;
    private readonly nn.Module<Tensor, Tensor> lrn1, lrn2;
    private readonly MaxPool pool1, pool2, pool5;
    private readonly Linear fc6, fc7;
    private readonly Activation activation;

    /// <param name="share">Divides the network's widths: 1 when this module holds the whole network, 2 for one of two towers.</param>
    /// <param name="groups">Towers fused in this module (2 on one device with two towers, else 1).</param>
    public Tower(string name, ModelHyperparameters model, AlexNetGeometry geometry, int share, int groups, Device device) : base(name)
    {
        Device = device;

        // Layers get uninitialised CPU storage and are then moved: their default init would draw from the global generator,
        // and AlexNetModel.Initialise overwrites every parameter from the run's own seed anyway.
        var build = device.type == DeviceType.META ? device : CPU;
        activation = model.Activation;
        int c1 = geometry.Conv1 / share, c2 = geometry.Conv2 / share, c3 = geometry.Conv3 / share;
        int c4 = geometry.Conv4 / share, c5 = geometry.Conv5 / share, fc = geometry.Fc / share;
        int k = model.Pooling.Kernel, s = model.Pooling.Stride;

        conv1 = Uninitialised(nn.Conv2d(3, c1, model.Conv1.Kernel, stride: model.Conv1.Stride, padding: model.Conv1.Padding, device: META), build);
        lrn1 = CreateLrn(model.Lrn, groups);
        pool1 = new MaxPool(k, s);
        conv2 = Uninitialised(nn.Conv2d(c1, c2, 5, padding: 2, groups: groups, device: META), build);
        lrn2 = CreateLrn(model.Lrn, groups);
        pool2 = new MaxPool(k, s);

        // conv3 reads every tower's conv2 maps; its input is the concatenation, hence the full conv2 width.
        conv3 = Uninitialised(nn.Conv2d(geometry.Conv2, c3, 3, padding: 1, device: META), build);
        conv4 = Uninitialised(nn.Conv2d(c3, c4, 3, padding: 1, groups: groups, device: META), build);
        conv5 = Uninitialised(nn.Conv2d(c4, c5, 3, padding: 1, groups: groups, device: META), build);
        pool5 = new MaxPool(k, s);

        fc6 = UninitialisedLinear(geometry.FlattenedFeatures, fc, build);
        fc7 = UninitialisedLinear(geometry.Fc, fc, build);
        RegisterComponents();
        this.to(device);
    }

    public Device Device { get; }

    /// <summary>The sharded layers in canonical order; each tower holds a slice of their output units.</summary>
    public IEnumerable<(string Layer, Parameter Weight, Parameter Bias)> Layers()
    {
        yield return ("conv1", conv1.weight!, conv1.bias!);
        yield return ("conv2", conv2.weight!, conv2.bias!);
        yield return ("conv3", conv3.weight!, conv3.bias!);
        yield return ("conv4", conv4.weight!, conv4.bias!);
        yield return ("conv5", conv5.weight!, conv5.bias!);
        yield return ("fc6", fc6.weight!, fc6.bias!);
        yield return ("fc7", fc7.weight!, fc7.bias!);
    }

    /// <summary>conv1 to pool2: everything before the first cross-tower connection.</summary>
    public Tensor Stage1(Tensor image, LayerObserver? observe)
    {
        var x = Observe("conv1", Activate(Convolve(conv1, image)), conv1, observe);
        x = Observe("lrn1", lrn1.forward(x), null, observe);
        x = Observe("pool1", pool1.forward(x), null, observe);
        x = Observe("conv2", Activate(Convolve(conv2, x)), conv2, observe);
        x = Observe("lrn2", lrn2.forward(x), null, observe);
        return Observe("pool2", pool2.forward(x), null, observe);
    }

    /// <summary>conv3 to pool5, flattened: reads every tower's pool2 output.</summary>
    public Tensor Stage2(Tensor pooled2, LayerObserver? observe)
    {
        var x = Observe("conv3", Activate(Convolve(conv3, pooled2)), conv3, observe);
        x = Observe("conv4", Activate(Convolve(conv4, x)), conv4, observe);
        x = Observe("conv5", Activate(Convolve(conv5, x)), conv5, observe);
        x = Observe("pool5", pool5.forward(x), null, observe);
        return x.flatten(1);
    }

    /// <summary>fc6 after its activation; the network applies dropout across all towers' units at once.</summary>
    public Tensor Hidden6(Tensor features, LayerObserver? observe) =>
        Observe("fc6", Activate(fc6.forward(features)), fc6, observe);

    public Tensor Hidden7(Tensor hidden6, LayerObserver? observe) =>
        Observe("fc7", Activate(fc7.forward(hidden6)), fc7, observe);

    /// <summary>A linear layer with storage but no values: no generator is touched.</summary>
    internal static Linear UninitialisedLinear(long inputs, long outputs, Device device) =>
        nn.Linear(nn.Parameter(empty(outputs, inputs, device: device)), nn.Parameter(empty(outputs, device: device)));

    /// <summary>A convolution built on the meta device, where its default init draws nothing, given storage on <paramref name="device"/>.</summary>
    private static Conv2d Uninitialised(Conv2d conv, Device device)
    {
        if (device.type != DeviceType.META)
        {
            conv.weight = nn.Parameter(empty(conv.weight.shape, device: device));
            conv.bias = nn.Parameter(empty(conv.out_channels, device: device));
        }

        return conv;
    }

    private static nn.Module<Tensor, Tensor> CreateLrn(LrnHyperparameters lrn, int groups) =>
        lrn.Enabled ? new Lrn(lrn, groups) : lrn.KeepScaleWhenDisabled ? new ConstantScale(Math.Pow(lrn.K, -lrn.Beta)) : nn.Identity();

    /// <summary>Convolves, or on the meta device only shapes the output: libtorch has no meta kernel for convolution.</summary>
    private static Tensor Convolve(Conv2d conv, Tensor x)
    {
        if (x.device_type != DeviceType.META)
        {
            return conv.forward(x);
        }

        long[] padding = conv.padding ?? throw new InvalidOperationException("Convolutions here use explicit padding.");
        long Size(long input, int dim) =>
            ((input + (2 * padding[dim]) - (conv.dilation[dim] * (conv.kernel_size[dim] - 1)) - 1) / conv.stride[dim]) + 1;
        return empty([x.shape[0], conv.out_channels, Size(x.shape[2], 0), Size(x.shape[3], 1)], device: x.device);
    }

    private static Tensor Observe(string layer, Tensor output, nn.Module? module, LayerObserver? observe)
    {
        if (observe is not null)
        {
            long parameters = module is null ? 0 : module.parameters().Sum(p => p.numel());
            observe(layer, output, parameters);
        }

        return output;
    }

    // libtorch has no meta kernel for relu; clamp_min has one and gives the same shape.
    private Tensor Activate(Tensor x) =>
        activation == Activation.Tanh ? x.tanh() : x.device_type == DeviceType.META ? x.clamp_min(0) : x.relu();
}
