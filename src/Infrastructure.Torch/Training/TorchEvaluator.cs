using AlexNet.Experiments.Domain.Training;
using AlexNet.Experiments.Infrastructure.Torch.Model;

namespace AlexNet.Experiments.Infrastructure.Torch.Training;

public sealed class TorchEvaluator(TimeProvider clock) : IEvaluator
{
    public Task<EvaluationResult> EvaluateAsync(EvaluationRequest request, CancellationToken cancellationToken) => TorchStep.RunAsync(() =>
    {
        var hp = request.Hyperparameters;
        using var model = AlexNetModel.Create(hp.Model, request.Dataset.ClassNames.Count, hp.Seed);
        Checkpoint.Load(request.CheckpointPath, model, optimizer: null);
        var result = CropEvaluation.Run(model, hp, request.Dataset, hp.Evaluation.TenCrop, cancellationToken);
        return new EvaluationResult(
            request.RunId,
            hp.Evaluation.TenCrop ? EvaluationCrops.TenCrop : EvaluationCrops.Centre,
            result.ImageCount, result.Loss, result.Top1Error, result.Top5Error,
            result.PerClassAccuracy, result.ConfusionMatrix, clock.GetUtcNow());
    }, cancellationToken);
}
