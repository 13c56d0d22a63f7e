using AlexNet.Experiments.Domain.Experiments;

namespace AlexNet.Experiments.Application.Common;

/// <summary>Named starting points; a submission overlays its own fields on one of these.</summary>
public static class HyperparameterPresets
{
    /// <summary>Every value as the paper states it; needs ImageNet-sized data and, for two towers on two devices, set Devices to ["cuda:0","cuda:1"].</summary>
    public const string Paper2012 = "paper-2012";

    /// <summary>
    /// The paper's recipe scaled for a CPU and the synthetic dataset (about a minute on 2 cores). Two named deviations:
    /// at a quarter of the width, N(0, 0.01) weights leave the signal to the constant 1-biases and the net never starts
    /// learning, so weights are N(0, 0.03) and the learning rate 0.003.
    /// </summary>
    public const string Quickstart = "quickstart";

    /// <summary>
    /// AlexNet at the scale 28x28 Fashion-MNIST allows, with the paper's components: two towers, ReLU, LRN, overlapping
    /// pooling, dropout, random crops and flips, and PCA noise, which on grey images replicated to RGB is intensity noise
    /// (the covariance has one eigenvector, (1,1,1)/sqrt 3). Deviations: 26-pixel crops of the 28-pixel images, a 5x5
    /// stride-1 conv1, half the widths, pixels in [0, 1] units with He initialisation and zero biases (at this width
    /// N(0, 0.01) lets the signal vanish and the paper's 1-biases swamp it), batches of 64 computed as 2 slices (one per
    /// core, so a run is the same on any core count), dropout 0.25, since 18 epochs (what fit 30 minutes on 2 cores before the AVX2 cap)
    /// still underfit at 0.5, and learning rate 0.04 down a cosine (93.03% ten-crop; 92.91% from 0.03, 92.57% with
    /// dropout 0.5 from 0.02, 92.28% with /10 after epoch 15).
    /// </summary>
    public const string FashionMnist = "fashion-mnist";

    public static IReadOnlyDictionary<string, Hyperparameters> All { get; } = new Dictionary<string, Hyperparameters>(StringComparer.OrdinalIgnoreCase)
    {
        [Paper2012] = new Hyperparameters(),
        [Quickstart] = new Hyperparameters
        {
            Seed = 7,
            Epochs = 12,
            BatchSize = 32,
            Model = new ModelHyperparameters { WidthMultiplier = 0.25, InputSize = 67, Init = new InitHyperparameters { WeightStd = 0.03 } },
            Optimizer = new OptimizerHyperparameters { LearningRate = 0.003 },
            Schedule = new ScheduleHyperparameters { Patience = 3 },
            Data = new DataHyperparameters { ImageSize = 76 },
        },
        [FashionMnist] = new Hyperparameters
        {
            Seed = 1,
            Epochs = 18,
            BatchSize = 64,
            BatchSlices = 2,
            Model = new ModelHyperparameters
            {
                WidthMultiplier = 0.5,
                InputSize = 26,
                PixelScale = 1.0 / 255,
                Dropout = 0.25,
                Conv1 = new Conv1Hyperparameters { Kernel = 5, Stride = 1, Padding = 2 },
                Init = new InitHyperparameters { Scheme = InitScheme.He, OneBiasInHiddenLayers = false },
            },
            Optimizer = new OptimizerHyperparameters { LearningRate = 0.04 },
            Schedule = new ScheduleHyperparameters { Kind = ScheduleKind.Cosine },
            Data = new DataHyperparameters { ImageSize = 28 },
        },
    };
}
