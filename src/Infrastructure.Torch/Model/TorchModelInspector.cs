using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace AlexNet.Experiments.Infrastructure.Torch.Model;

/// <summary>
/// Describes the network without allocating it: layers are built on the meta device, which tracks shapes but
/// holds no data, so even the full-size net is described in milliseconds and on machines without the planned GPUs.
/// </summary>
public sealed class TorchModelInspector : IModelInspector
{
    private static readonly Device Meta = new(DeviceType.META);

    public ModelSummary Describe(ModelHyperparameters model, int classCount)
    {
        using var net = AlexNetModel.Build(model, classCount, Meta);
        net.eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();

        var layers = new List<LayerSummary>();
        var image = zeros(1, 3, model.InputSize, model.InputSize, device: Meta);
        net.Trace(image, (name, output, parameters, device) => layers.Add(new LayerSummary(name, [.. output.shape], parameters, device)));
        long total = net.parameters().Sum(p => p.numel());
        return new ModelSummary(layers, total);
    }
}
