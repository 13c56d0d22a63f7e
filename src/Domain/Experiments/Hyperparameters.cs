namespace AlexNet.Experiments.Domain.Experiments;

/// <summary>
/// Everything that determines a run. Defaults are the paper's values (Krizhevsky et al. 2012);
/// every deviation is a named field here, so the canonical JSON of this record reproduces the run.
/// </summary>
public sealed record Hyperparameters
{
    public int Seed { get; init; } = 1;
    public int Epochs { get; init; } = 90;
    public int BatchSize { get; init; } = 128;

    /// <summary>
    /// On the CPU, each batch is computed as this many slices in parallel, one core each, their gradients summed in slice
    /// order: the numbers are then the same on any number of cores. 1 computes the whole batch at once on all cores,
    /// where libtorch splits its work by the core count, so the last bits of a run depend on the machine.
    /// </summary>
    public int BatchSlices { get; init; } = 1;
    public ModelHyperparameters Model { get; init; } = new();
    public OptimizerHyperparameters Optimizer { get; init; } = new();
    public ScheduleHyperparameters Schedule { get; init; } = new();
    public DataHyperparameters Data { get; init; } = new();
    public EvaluationHyperparameters Evaluation { get; init; } = new();
}

public sealed record ModelHyperparameters
{
    /// <summary>Scales every layer's channel count (1 = the paper's 96/256/384/384/256/4096/4096).</summary>
    public double WidthMultiplier { get; init; } = 1.0;

    /// <summary>Crop fed to the network. 227, not the paper's 224: with an 11x11 stride-4 conv1 and no padding only 227 gives the paper's 55x55.</summary>
    public int InputSize { get; init; } = 227;

    /// <summary>
    /// Pixels enter the network as (value - mean) x this: 1 keeps the paper's raw 0..255 values. At 1/255 ([0, 1] units) a
    /// gradient step moves conv1, relative to its weights, 255^2 times less far than in the same network on raw pixels.
    /// </summary>
    public double PixelScale { get; init; } = 1.0;

    public Conv1Hyperparameters Conv1 { get; init; } = new();
    public LrnHyperparameters Lrn { get; init; } = new();
    public PoolingHyperparameters Pooling { get; init; } = new();
    public double Dropout { get; init; } = 0.5;
    public Activation Activation { get; init; } = Activation.ReLU;

    /// <summary>2 = the paper's two towers (grouped conv2/4/5); 1 = a single tower with half the kernels of each layer.</summary>
    public int Towers { get; init; } = 2;

    /// <summary>Where the towers run: one entry (both towers on it) or two (tower A, tower B), e.g. "cpu", "cuda:0".</summary>
    public IReadOnlyList<string> Devices { get; init; } = ["cpu"];

    public InitHyperparameters Init { get; init; } = new();

    public bool Equals(ModelHyperparameters? other) =>
        other is not null && WidthMultiplier == other.WidthMultiplier && InputSize == other.InputSize && PixelScale == other.PixelScale && Conv1 == other.Conv1 && Lrn == other.Lrn &&
        Pooling == other.Pooling && Dropout == other.Dropout && Activation == other.Activation && Towers == other.Towers &&
        Devices.SequenceEqual(other.Devices) && Init == other.Init;

    public override int GetHashCode() => HashCode.Combine(HashCode.Combine(WidthMultiplier, InputSize, PixelScale, Conv1), Lrn, Pooling, Dropout, Activation, Towers, Init);
}

public enum Activation { ReLU, Tanh }

public enum LrnConvention
{
    /// <summary>The paper's formula: b = a / (k + alpha * sum a^2)^beta.</summary>
    Paper,

    /// <summary>cuda-convnet2 / PyTorch: alpha is divided by the window size n.</summary>
    PyTorch,
}

/// <summary>The paper's conv1 is 11x11 stride 4 for 224-pixel images; small images (28x28) need a smaller, denser one.</summary>
public sealed record Conv1Hyperparameters
{
    public int Kernel { get; init; } = 11;
    public int Stride { get; init; } = 4;
    public int Padding { get; init; }
}

public sealed record LrnHyperparameters
{
    public bool Enabled { get; init; } = true;
    public LrnConvention Convention { get; init; } = LrnConvention.Paper;
    public double K { get; init; } = 2.0;
    public int Size { get; init; } = 5;
    public double Alpha { get; init; } = 1e-4;
    public double Beta { get; init; } = 0.75;

    /// <summary>
    /// With <see cref="Enabled"/> false, multiply by k^-beta instead (2^-0.75 ≈ 0.59 at the paper's values): LRN's own scale while
    /// alpha × the window's sum of squares is small next to k, as at this alpha. Without it, removing LRN also enlarges every
    /// later activation, so an ablation would change the effective step size as well as the normalisation.
    /// </summary>
    public bool KeepScaleWhenDisabled { get; init; }
}

/// <summary>Overlapping pooling is z=3, s=2; the paper's ablation uses z=s=2.</summary>
public sealed record PoolingHyperparameters
{
    public int Kernel { get; init; } = 3;
    public int Stride { get; init; } = 2;
}

public enum InitScheme
{
    /// <summary>Every weight N(0, WeightStd), as the paper.</summary>
    Gaussian,

    /// <summary>
    /// N(0, 1 / fan-in) per layer (LeCun et al. 1998): the signal keeps its size through narrow layers, where one small std
    /// makes it vanish. conv1's std is divided by 255 x model.pixelScale, so it sees pixels as [0, 1] intensities.
    /// </summary>
    LeCun,

    /// <summary>N(0, 2 / fan-in) per layer (He et al. 2015), made for ReLU; conv1 as under <see cref="LeCun"/>.</summary>
    He,
}

public sealed record InitHyperparameters
{
    public InitScheme Scheme { get; init; } = InitScheme.Gaussian;

    /// <summary>The weights' standard deviation under <see cref="InitScheme.Gaussian"/>.</summary>
    public double WeightStd { get; init; } = 0.01;

    /// <summary>Biases of conv2, conv4, conv5, fc6, fc7 set to 1 (the paper), else all biases 0.</summary>
    public bool OneBiasInHiddenLayers { get; init; } = true;
}

public enum UpdateRule
{
    /// <summary>v = m v - wd lr w - lr g; w = w + v (the learning rate sits inside the velocity).</summary>
    Paper,

    /// <summary>torch.optim.SGD: v = m v + g + wd w; w = w - lr v.</summary>
    PyTorch,
}

public sealed record OptimizerHyperparameters
{
    public UpdateRule UpdateRule { get; init; } = UpdateRule.Paper;
    public double LearningRate { get; init; } = 0.01;
    public double Momentum { get; init; } = 0.9;
    public double WeightDecay { get; init; } = 0.0005;
}

public enum ScheduleKind
{
    /// <summary>Divide by 1/Factor when validation top-1 error has not improved for Patience epochs, at most MaxDrops times.</summary>
    Plateau,

    /// <summary>Multiply by Factor every StepEpochs epochs, at most MaxDrops times.</summary>
    Step,

    Constant,

    /// <summary>
    /// From the learning rate down half a cosine over the run's epochs, one rate per epoch (Loshchilov and Hutter 2017):
    /// under a fixed epoch budget it spends longer at low rates than a single step does, without a step epoch to tune.
    /// </summary>
    Cosine,
}

public sealed record ScheduleHyperparameters
{
    public ScheduleKind Kind { get; init; } = ScheduleKind.Plateau;
    public double Factor { get; init; } = 0.1;
    public int Patience { get; init; } = 5;
    public int MaxDrops { get; init; } = 3;
    public int StepEpochs { get; init; } = 30;
}

public sealed record DataHyperparameters
{
    /// <summary>Preprocessing: shorter side scaled to this, then centre-cropped square.</summary>
    public int ImageSize { get; init; } = 256;

    /// <summary>Train on a subset of this many training images, drawn once from the seed (0 = all): for short studies and CI runs.</summary>
    public int TrainImages { get; init; }

    /// <summary>The images each epoch trains on, of a split of <paramref name="trainCount"/>.</summary>
    public int ImagesPerEpoch(int trainCount) => TrainImages > 0 && TrainImages < trainCount ? TrainImages : trainCount;

    public bool RandomCrop { get; init; } = true;
    public bool HorizontalFlip { get; init; } = true;
    public bool PcaColour { get; init; } = true;
    public double PcaStd { get; init; } = 0.1;
    public bool SubtractMean { get; init; } = true;
}

public sealed record EvaluationHyperparameters
{
    /// <summary>The paper's test procedure: four corners, centre and their flips, softmax averaged. Else a single centre crop.</summary>
    public bool TenCrop { get; init; } = true;
}
