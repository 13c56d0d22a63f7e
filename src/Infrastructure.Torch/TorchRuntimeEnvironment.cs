using System.Reflection;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Training;
using AlexNet.Experiments.Infrastructure.Torch.Model;
using TorchSharp;

namespace AlexNet.Experiments.Infrastructure.Torch;

public sealed class TorchRuntimeEnvironment : IRuntimeEnvironment
{
    private readonly Lazy<IReadOnlyList<string>> devices = new(TorchDevices.Available);

    public IReadOnlyList<string> AvailableDevices => devices.Value;

    public RuntimeFacts Describe(ModelHyperparameters model) => new(
        CodeVersion: typeof(TorchRuntimeEnvironment).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown",
        TorchSharpVersion: typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown",
        LibTorchVersion: torch.__version__,
        Device: string.Join(",", model.Devices));
}
