using AlexNet.Experiments.Domain.Retrieval;
using AlexNet.Experiments.Domain.Training;
using AlexNet.Experiments.Infrastructure.Torch.Export;
using AlexNet.Experiments.Infrastructure.Torch.Model;
using AlexNet.Experiments.Infrastructure.Torch.Retrieval;
using AlexNet.Experiments.Infrastructure.Torch.Training;
using Microsoft.Extensions.DependencyInjection;

namespace AlexNet.Experiments.Infrastructure.Torch;

public static class TorchRegistration
{
    public static IServiceCollection AddTorchBackend(this IServiceCollection services)
    {
        NativeHeap.KeepFreedMemory();
        services.AddSingleton<IModelInspector, TorchModelInspector>();
        services.AddSingleton<IRuntimeEnvironment, TorchRuntimeEnvironment>();
        services.AddSingleton<ITrainer, TorchTrainer>();
        services.AddSingleton<IEvaluator, TorchEvaluator>();
        services.AddSingleton<ICheckpointReader, TorchCheckpointReader>();
        services.AddSingleton<IFeatureExtractor, TorchFeatureExtractor>();
        services.AddSingleton<INeighbourIndex, ExactNeighbourIndex>();
        return services;
    }
}
