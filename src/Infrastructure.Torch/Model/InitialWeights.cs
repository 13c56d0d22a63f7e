using AlexNet.Experiments.Domain.Experiments;

namespace AlexNet.Experiments.Infrastructure.Torch.Model;

/// <summary>The standard deviation each weight is drawn with: the paper's fixed 0.01, or LeCun's or He's fan-in scaling.</summary>
internal static class InitialWeights
{
    /// <summary>
    /// Fan-in is the weight's size per output unit, [out, in / groups, k, k] or [out, in], so grouping and towers keep it.
    /// Pixels reach conv1 as (0..255 value - mean) x pixelScale, so its std is divided by 255 x pixelScale: the network
    /// the scheme would give [0, 1] inputs.
    /// </summary>
    public static double Std(InitHyperparameters init, double pixelScale, string name, long[] shape)
    {
        double gain = init.Scheme switch
        {
            InitScheme.LeCun => 1,
            InitScheme.He => 2,
            _ => 0,
        };
        if (gain == 0)
        {
            return init.WeightStd;
        }

        double std = Math.Sqrt(gain / shape.Skip(1).Aggregate(1L, (a, b) => a * b));
        return name == "conv1.weight" ? std / (255 * pixelScale) : std;
    }
}
