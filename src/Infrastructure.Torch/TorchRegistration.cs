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
    /// <param name="runtime">What <see cref="TorchRuntime.Start"/> returned: the backend is composed only once the runtime is started.</param>
    public static IServiceCollection AddTorchBackend(this IServiceCollection services, TorchRuntimeSetup runtime)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        services.AddSingleton(runtime);
        services.AddSingleton<IModelInspector, TorchModelInspector>();
        services.AddSingleton<IRuntimeEnvironment, TorchRuntimeEnvironment>();
        services.AddSingleton<ITrainer, TorchTrainer>();
        services.AddSingleton<IEvaluator, TorchEvaluator>();
        services.AddSingleton<ICheckpointReader, TorchCheckpointReader>();
        services.AddSingleton<IStepCurveExport, TensorBoardCurveExport>();
        services.AddSingleton<IFeatureExtractor, TorchFeatureExtractor>();
        services.AddSingleton<INeighbourIndex, ExactNeighbourIndex>();
        return services;
    }
}
