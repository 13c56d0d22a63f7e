using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Retrieval;
using AlexNet.Experiments.Domain.Training;
using AlexNet.Experiments.Infrastructure.Torch.Data;
using AlexNet.Experiments.Infrastructure.Torch.Data.Sources;
using AlexNet.Experiments.Infrastructure.Torch.Export;
using AlexNet.Experiments.Infrastructure.Torch.Model;
using AlexNet.Experiments.Infrastructure.Torch.Retrieval;
using AlexNet.Experiments.Infrastructure.Torch.Training;
using Microsoft.Extensions.DependencyInjection;

namespace AlexNet.Experiments.Infrastructure.Torch;

public static class TorchRegistration
{
    /// <param name="imagesPerShard">Records per preprocessing shard job (see <see cref="DatasetPreprocessor.ImagesPerShard"/>).</param>
    public static IServiceCollection AddTorchBackend(this IServiceCollection services, int imagesPerShard = DatasetPreprocessor.DefaultImagesPerShard)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(imagesPerShard);
        NativeHeap.KeepFreedMemory();
        services.AddSingleton<IDatasetSources, DatasetSources>();
        services.AddSingleton<IDatasetPreprocessor>(provider => new DatasetPreprocessor(provider.GetService<TimeProvider>()) { ImagesPerShard = imagesPerShard });
        services.AddSingleton<ISyntheticDatasetGenerator, SyntheticDatasetGenerator>();
        services.AddSingleton<IModelInspector, TorchModelInspector>();
        services.AddSingleton<IRuntimeEnvironment, TorchRuntimeEnvironment>();
        services.AddSingleton<ITrainer, TorchTrainer>();
        services.AddSingleton<IEvaluator, TorchEvaluator>();
        services.AddSingleton<ICheckpointReader, TorchCheckpointReader>();
        services.AddSingleton<IFeatureExtractor, TorchFeatureExtractor>();
        services.AddSingleton<INeighbourIndex, ExactNeighbourIndex>();
        services.AddSingleton<IStoredImages, StoredImages>();
        return services;
    }
}
