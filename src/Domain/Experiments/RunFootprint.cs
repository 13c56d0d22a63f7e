namespace AlexNet.Experiments.Domain.Experiments;

/// <summary>
/// What a run needs at its peak, estimated before it is accepted: memory for training or ten-crop evaluation (whichever is
/// larger) and disk for the preprocessed store and every checkpoint. Pure arithmetic in doubles, so no setting can overflow it.
/// </summary>
public sealed record RunFootprint(double Parameters, double ActivationsPerImage, double MemoryBytes, double DiskBytes)
{
    private const double FloatBytes = 4;

    /// <summary>libtorch, .NET and the host themselves, measured loosely: the process idles near 300 MB.</summary>
    public const double RuntimeOverheadBytes = 512e6;

    /// <summary>
    /// Per image in training: every layer output once, again for its pre-activation or dropout mask (kept for the backward pass),
    /// and once more for its gradient.
    /// </summary>
    public const double TrainingActivationCopies = 3;

    /// <summary>Batches the loader holds: prefetched ones, the one in use and the one being filled.</summary>
    public const int LoaderBuffers = 5;

    public static RunFootprint Estimate(Hyperparameters hyperparameters, int classCount, long imageCount)
    {
        ArgumentNullException.ThrowIfNull(hyperparameters);
        var model = hyperparameters.Model;
        double parameters = ParameterCount(model, classCount);
        double activations = ActivationsPerSample(model, classCount);
        double batch = hyperparameters.BatchSize, input = model.InputSize, imageSize = hyperparameters.Data.ImageSize;
        double crops = hyperparameters.Evaluation.TenCrop ? 10 : 1;

        // Weights, gradients and momentum live through training; evaluation needs only the weights but is no larger for it.
        double state = 3 * parameters * FloatBytes;
        double training = (batch * activations * TrainingActivationCopies * FloatBytes)
            + (LoaderBuffers * batch * 3 * input * input * FloatBytes)
            + (batch * 3 * imageSize * imageSize); // the stored bytes one batch reads
        // Evaluation keeps every layer output of a batch of batch x crops images until the forward pass returns.
        double evaluation = (batch * crops * activations * FloatBytes) + (LoaderBuffers * batch * crops * 3 * input * input * FloatBytes);
        double memory = RuntimeOverheadBytes + state + Math.Max(training, evaluation);

        double store = (imageCount * 3 * imageSize * imageSize) + (3 * imageSize * imageSize * FloatBytes); // pixels + mean image
        double checkpoint = 2 * parameters * FloatBytes; // weights and momentum
        double disk = store + ((hyperparameters.Epochs + 1) * checkpoint); // one per epoch, plus a split epoch's partial one

        return new RunFootprint(parameters, activations, memory, disk);
    }

    /// <summary>Learnable parameters; 60,965,224 for the paper's net and 1000 classes. Grouping and towers split but do not change it.</summary>
    public static double ParameterCount(ModelHyperparameters model, int classCount)
    {
        ArgumentNullException.ThrowIfNull(model);
        var g = AlexNetGeometry.For(model);
        double groups = model.Towers;
        double features = (double)g.Conv5 * g.Pool5Output * g.Pool5Output;
        return Layer(3, g.Conv1, model.Conv1.Kernel * model.Conv1.Kernel)
            + Layer(g.Conv1 / groups, g.Conv2, 5 * 5)
            + Layer(g.Conv2, g.Conv3, 3 * 3)
            + Layer(g.Conv3 / groups, g.Conv4, 3 * 3)
            + Layer(g.Conv4 / groups, g.Conv5, 3 * 3)
            + Layer(features, g.Fc, 1)
            + Layer(g.Fc, g.Fc, 1)
            + Layer(g.Fc, classCount, 1);

        static double Layer(double inputs, double outputs, double kernel) => (inputs * outputs * kernel) + outputs;
    }

    /// <summary>Elements of every layer's output for one image (conv1, lrn1, pool1, ... fc8), as the model's trace lists them.</summary>
    public static double ActivationsPerSample(ModelHyperparameters model, int classCount)
    {
        ArgumentNullException.ThrowIfNull(model);
        var g = AlexNetGeometry.For(model);
        double c1 = (double)g.Conv1Output * g.Conv1Output, p1 = (double)g.Pool1Output * g.Pool1Output;
        double p2 = (double)g.Pool2Output * g.Pool2Output, p5 = (double)g.Pool5Output * g.Pool5Output;
        double lrn = model.Lrn.Enabled ? 1 : 0;
        return (g.Conv1 * c1 * (1 + lrn)) + (g.Conv1 * p1)
            + (g.Conv2 * p1 * (1 + lrn)) + (g.Conv2 * p2)
            + ((g.Conv3 + g.Conv4 + g.Conv5) * p2) + (g.Conv5 * p5)
            + (2.0 * g.Fc) + classCount;
    }
}

/// <summary>A limit on what a run may use, and where it comes from (a setting, or a share of the machine).</summary>
public sealed record ResourceLimit(double Bytes, string Source);

/// <summary>How much memory and disk one run may take on this machine.</summary>
public interface IResourceBudget
{
    ResourceLimit Memory { get; }

    /// <summary>Read when asked: free disk changes as runs write.</summary>
    ResourceLimit Disk { get; }
}
