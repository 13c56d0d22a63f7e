namespace AlexNet.Experiments.Domain.Experiments;

/// <summary>Layer widths and spatial sizes of AlexNet for given hyperparameters; pure arithmetic shared by validation and the model.</summary>
public sealed record AlexNetGeometry(int Conv1, int Conv2, int Conv3, int Conv4, int Conv5, int Fc, int Conv1Output, int Pool1Output, int Pool2Output, int Pool5Output)
{
    public static AlexNetGeometry For(ModelHyperparameters model)
    {
        // The one-tower ablation halves every conv layer but conv5, and keeps the FC layers, as in the paper's comparison.
        double conv = model.Towers == 1 ? 0.5 : 1.0;
        int conv1 = Even(96 * model.WidthMultiplier * conv), conv2 = Even(256 * model.WidthMultiplier * conv);
        int conv3 = Even(384 * model.WidthMultiplier * conv), conv4 = Even(384 * model.WidthMultiplier * conv);
        int conv5 = Even(256 * model.WidthMultiplier), fc = Even(4096 * model.WidthMultiplier);

        var k1 = model.Conv1;
        int c1 = model.InputSize + (2 * k1.Padding) < k1.Kernel ? 0 : ((model.InputSize + (2 * k1.Padding) - k1.Kernel) / k1.Stride) + 1;
        int p1 = Pool(c1, model.Pooling), p2 = Pool(p1, model.Pooling), p5 = Pool(p2, model.Pooling);
        return new AlexNetGeometry(conv1, conv2, conv3, conv4, conv5, fc, c1, p1, p2, p5);
    }

    /// <summary>The smallest input for which every pooling layer of <paramref name="model"/>'s plan still has at least one output.</summary>
    public static int MinimumInputSize(ModelHyperparameters model)
    {
        ArgumentNullException.ThrowIfNull(model);
        for (int size = 1; size < 4096; size++)
        {
            if (For(model with { InputSize = size }).Pool5Output >= 1)
            {
                return size;
            }
        }

        return int.MaxValue;
    }

    public int FlattenedFeatures => Conv5 * Pool5Output * Pool5Output;

    private static int Pool(int size, PoolingHyperparameters pooling) =>
        size < pooling.Kernel ? 0 : (size - pooling.Kernel) / pooling.Stride + 1;

    private static int Even(double channels) => Math.Max(2, (int)Math.Round(channels / 2) * 2);
}
