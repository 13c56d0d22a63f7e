using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Training;

namespace AlexNet.Experiments.Infrastructure.Torch.Augmentation;

/// <summary>
/// The paper's training augmentation: random C x C crop of the stored S x S image, horizontal flip with p = 0.5,
/// mean-image subtraction and PCA colour noise. Random draws, in this order: crop left and top (Next(S - C + 1) each,
/// when RandomCrop), flip (NextDouble() &lt; 0.5, when HorizontalFlip), then three N(0, PcaStd) alphas (when PcaColour).
/// </summary>
public sealed class TrainingAugmentation : IAugmentation
{
    private readonly DataHyperparameters _data;
    private readonly float[] _mean;
    private readonly float _pixelScale;
    private readonly double[] _eigenvalues;
    private readonly double[] _eigenvectors;

    public TrainingAugmentation(Hyperparameters hyperparameters, DatasetVersion dataset, float[] meanImage)
    {
        _data = hyperparameters.Data;
        _pixelScale = (float)hyperparameters.Model.PixelScale;
        StoredSize = dataset.Settings.ImageSize;
        CropSize = hyperparameters.Model.InputSize;
        EvaluationCropWriter.CentreOffset(StoredSize, CropSize);
        if (meanImage.Length != StoredSize * StoredSize * 3)
        {
            throw new ArgumentException($"Expected a {StoredSize}x{StoredSize}x3 mean image, got {meanImage.Length} values.", nameof(meanImage));
        }

        if (dataset.ColourPca.Eigenvalues.Length != 3 || dataset.ColourPca.Eigenvectors.Length != 9)
        {
            throw new ArgumentException("The colour PCA must hold 3 eigenvalues and a 3x3 eigenvector matrix.", nameof(dataset));
        }

        _mean = _data.SubtractMean ? meanImage : [];
        _eigenvalues = dataset.ColourPca.Eigenvalues;
        _eigenvectors = dataset.ColourPca.Eigenvectors;
    }

    public int StoredSize { get; }

    public int CropSize { get; }

    public void Apply(ReadOnlySpan<byte> storedImage, Span<float> crop, Random random)
    {
        int range = StoredSize - CropSize;
        int left = range / 2, top = range / 2;
        if (_data.RandomCrop)
        {
            left = random.Next(range + 1);
            top = random.Next(range + 1);
        }

        bool flip = _data.HorizontalFlip && random.NextDouble() < 0.5;

        float red = 0, green = 0, blue = 0;
        if (_data.PcaColour)
        {
            // One draw per image per presentation; the offset is constant over the image's pixels.
            // The paper's formula is applied to intensities in [0, 1]: eigenvalues of the 0..255 covariance shrink by 255^2,
            // the offset is scaled back by 255. Taken literally on 0..255 values it would shift pixels by hundreds of levels.
            double a0 = Gaussian(random) * _data.PcaStd * _eigenvalues[0] / 255.0;
            double a1 = Gaussian(random) * _data.PcaStd * _eigenvalues[1] / 255.0;
            double a2 = Gaussian(random) * _data.PcaStd * _eigenvalues[2] / 255.0;
            red = (float)(_eigenvectors[0] * a0 + _eigenvectors[1] * a1 + _eigenvectors[2] * a2);
            green = (float)(_eigenvectors[3] * a0 + _eigenvectors[4] * a1 + _eigenvectors[5] * a2);
            blue = (float)(_eigenvectors[6] * a0 + _eigenvectors[7] * a1 + _eigenvectors[8] * a2);
        }

        CropWriter.Write(storedImage, StoredSize, _mean, _pixelScale, left, top, CropSize, flip, red, green, blue, crop);
    }

    /// <summary>A standard normal sample by Box-Muller, using two NextDouble() draws.</summary>
    public static double Gaussian(Random random)
    {
        double u1 = 1.0 - random.NextDouble(); // in (0, 1], so the log is finite
        double u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
