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
    };
}
