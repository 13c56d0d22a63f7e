using AlexNet.Experiments.Domain.Experiments;

namespace AlexNet.Experiments.Domain.Training;

/// <summary>A run's trained weights: the checkpoint of its last finished epoch, and what is needed to rebuild the network.</summary>
public sealed record ModelCheckpoint(Guid RunId, Hyperparameters Hyperparameters, int ClassCount, int Epoch, string Path);

/// <summary>
/// The first convolutional layer's kernels as images, as in the paper's Figure 3: <see cref="Count"/> tiles of
/// <see cref="Size"/> x <see cref="Size"/> RGB pixels, tile after tile, rows top to bottom, all scaled together to 0..255.
/// </summary>
public sealed record KernelImages(int Count, int Size, byte[] Rgb);

/// <summary>Reads a checkpoint's weights for people and for other frameworks.</summary>
public interface ICheckpointReader
{
    Task<KernelImages> ReadFirstLayerKernelsAsync(ModelCheckpoint checkpoint, CancellationToken cancellationToken);

    /// <summary>Writes the weights as a PyTorch state_dict (torch.save's zip format), keyed as python/alexnet.py names its layers.</summary>
    Task WritePyTorchStateDictAsync(ModelCheckpoint checkpoint, Stream destination, CancellationToken cancellationToken);
}
