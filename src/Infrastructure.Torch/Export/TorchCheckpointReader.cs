using AlexNet.Experiments.Domain.Training;
using AlexNet.Experiments.Infrastructure.Torch.Model;
using AlexNet.Experiments.Infrastructure.Torch.Training;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace AlexNet.Experiments.Infrastructure.Torch.Export;

public sealed class TorchCheckpointReader : ICheckpointReader
{
    public Task<KernelImages> ReadFirstLayerKernelsAsync(ModelCheckpoint checkpoint, CancellationToken cancellationToken) => Task.Run(() =>
    {
        using var scope = NewDisposeScope();
        using var model = Load(checkpoint);
        var conv1 = model.ShardedParameters().Single(p => p.Name == "conv1.weight");
        using var noGrad = no_grad();

        // [kernels, rgb, h, w] -> [kernels, h, w, rgb], scaled together so the tiles compare, as in Figure 3.
        var weights = cat(conv1.Shards.Select(s => s.detach().cpu()).ToArray(), 0).permute(0, 2, 3, 1).contiguous();
        var low = weights.min();
        var range = (weights.max() - low).clamp_min(1e-12);
        var bytes = ((weights - low) / range * 255).round().to(ScalarType.Byte);
        return new KernelImages((int)weights.shape[0], (int)weights.shape[1], bytes.data<byte>().ToArray());
    }, cancellationToken);

    public Task WritePyTorchStateDictAsync(ModelCheckpoint checkpoint, Stream destination, CancellationToken cancellationToken) => Task.Run(() =>
    {
        using var scope = NewDisposeScope();
        using var model = Load(checkpoint);
        using var stateDict = new StateDict(model.ShardedParameters());
        stateDict.save_py(destination, leaveOpen: true);
    }, cancellationToken);

    private static AlexNetModel Load(ModelCheckpoint checkpoint)
    {
        var model = AlexNetModel.Create(checkpoint.Hyperparameters.Model, checkpoint.ClassCount, checkpoint.Hyperparameters.Seed);
        Checkpoint.Load(checkpoint.Path, model, optimizer: null);
        return model;
    }

    /// <summary>
    /// The network in the grouped one-device layout PyTorch users write (python/alexnet.py): one child per layer, each with
    /// weight and bias, whatever the device plan of the run. Its state_dict keys are conv1.weight ... fc8.bias.
    /// </summary>
    private sealed class StateDict : nn.Module
    {
        public StateDict(IReadOnlyList<ShardedParameter> parameters) : base(nameof(StateDict))
        {
            foreach (var layer in parameters.GroupBy(p => p.Name[..p.Name.IndexOf('.', StringComparison.Ordinal)]))
            {
                var holder = new Layer(layer.Key);
                foreach (var parameter in layer)
                {
                    var full = parameter.Shards.Count == 1 ? parameter.Shards[0].detach().cpu() : cat(parameter.Shards.Select(s => s.detach().cpu()).ToArray(), 0);
                    holder.Add(parameter.Name[(layer.Key.Length + 1)..], full.contiguous().DetachFromDisposeScope());
                }

                register_module(layer.Key, holder);
            }
        }
    }

    private sealed class Layer(string name) : nn.Module(name)
    {
        public void Add(string name, Tensor value) => register_parameter(name, new TorchSharp.Modules.Parameter(value, requires_grad: false));
    }
}
