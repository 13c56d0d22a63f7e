using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Infrastructure.Storage.Datasets;
using AlexNet.Experiments.Infrastructure.Torch.Augmentation;
using AlexNet.Experiments.Infrastructure.Torch.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace AlexNet.Experiments.Infrastructure.Torch.Training;

public sealed record CropEvaluationResult(int ImageCount, double Loss, double Top1Error, double Top5Error, double[] PerClassAccuracy, int[][] ConfusionMatrix);

/// <summary>Scores the validation split with the centre crop, or the paper's ten crops with their softmax averaged.</summary>
public static class CropEvaluation
{
    public static CropEvaluationResult Run(AlexNetModel model, Hyperparameters hp, DatasetVersion dataset, bool tenCrop, CancellationToken cancellationToken)
    {
        int classes = dataset.ClassNames.Count, crop = hp.Model.InputSize, crops = tenCrop ? 10 : 1;
        int imageSize = dataset.Settings.ImageSize;
        var mean = hp.Data.SubtractMean ? PreprocessedSplit.ReadMeanImage(dataset.StorePath, imageSize) : new float[imageSize * imageSize * 3];
        float scale = (float)hp.Model.PixelScale;
        using var validation = PreprocessedSplit.Open(dataset.StorePath, DatasetSplit.Validation, imageSize);
        var confusion = Enumerable.Range(0, classes).Select(_ => new int[classes]).ToArray();
        double lossSum = 0;
        long top1 = 0, top5 = 0;

        model.eval();
        using var noGrad = no_grad();
        using var floor = 1e-12.ToScalar(); // held, not converted implicitly: see SgdOptimizer.UpdateFactors
        using var loader = new BatchLoader(
            Enumerable.Range(0, validation.Count).ToArray(), validation.Label, hp.BatchSize, crops * 3 * crop * crop,
            (_, index, pixels) =>
            {
                if (tenCrop)
                {
                    EvaluationCropWriter.WriteTenCrops(validation.Image(index), imageSize, mean, scale, crop, pixels);
                }
                else
                {
                    EvaluationCropWriter.WriteCentreCrop(validation.Image(index), imageSize, mean, scale, crop, pixels);
                }
            },
            prefetch: 2, cancellationToken);

        foreach (var batch in loader.ReadAll())
        {
            using var scope = NewDisposeScope();
            var y = tensor(batch.Labels).to(model.InputDevice);
            var logits = BatchSlices.Logits(model, batch.Images(3, crop, crop), hp.BatchSlices);
            var probabilities = nn.functional.softmax(logits, dim: 1).reshape(batch.Count, crops, classes).mean([1]);
            lossSum += nn.functional.nll_loss(probabilities.clamp_min(floor).log(), y, reduction: nn.Reduction.Sum).item<float>();
            var (t1, t5) = TopK.Correct(probabilities, y);
            top1 += t1;
            top5 += t5;

            var predicted = probabilities.argmax(1).cpu().data<long>().ToArray();
            for (int i = 0; i < batch.Count; i++)
            {
                confusion[batch.Labels[i]][predicted[i]]++;
            }

            loader.Recycle(batch); // only now: on CPU the batch tensor is the buffer
        }

        int n = validation.Count;
        var perClass = confusion.Select((row, c) => row.Sum() == 0 ? 0.0 : (double)row[c] / row.Sum()).ToArray();
        return new CropEvaluationResult(n, lossSum / n, 1 - (double)top1 / n, 1 - (double)top5 / n, perClass, confusion);
    }
}
