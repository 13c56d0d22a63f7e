using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Training;
using AlexNet.Experiments.Infrastructure.Storage.Datasets;

namespace AlexNet.Experiments.Infrastructure.Torch.Augmentation;

/// <summary>Per-image augmentation for training: reads a stored HWC byte image, writes a normalised CHW float crop.</summary>
internal interface IAugmentation
{
    void Apply(ReadOnlySpan<byte> storedImage, Span<float> crop, Random random);
}

internal interface IAugmentationFactory
{
    IAugmentation CreateTraining(Hyperparameters hyperparameters, DatasetVersion dataset);
}

internal sealed class TorchAugmentationFactory : IAugmentationFactory
{
    public IAugmentation CreateTraining(Hyperparameters hyperparameters, DatasetVersion dataset)
    {
        // A run whose recorded ImageSize differs from the store it trained on could not be reproduced from its record.
        if (hyperparameters.Data.ImageSize != dataset.Settings.ImageSize)
        {
            throw new ArgumentException(
                $"Hyperparameters ask for stored images of {hyperparameters.Data.ImageSize}px, but dataset version {dataset.ContentHash} holds {dataset.Settings.ImageSize}px.",
                nameof(dataset));
        }

        float[] mean = PreprocessedSplit.ReadMeanImage(dataset.StorePath, dataset.Settings.ImageSize);
        return new TrainingAugmentation(hyperparameters, dataset, mean);
    }
}
