using AlexNet.Experiments.Domain.Experiments;

namespace AlexNet.Experiments.Infrastructure.Torch.Benchmarks;

/// <summary>Floating-point operations of AlexNet per image, counted from the layer geometry (a multiply-add is 2 FLOPs).</summary>
public static class AlexNetFlops
{
    public static double Forward(ModelHyperparameters model, int classCount)
    {
        var g = AlexNetGeometry.For(model);
        int groups = model.Towers == 2 ? 2 : 1;
        double macs =
            (double)g.Conv1Output * g.Conv1Output * g.Conv1 * (model.Conv1.Kernel * model.Conv1.Kernel * 3)
            + (double)g.Pool1Output * g.Pool1Output * g.Conv2 * (5 * 5 * g.Conv1 / groups)
            + (double)g.Pool2Output * g.Pool2Output * g.Conv3 * (3 * 3 * g.Conv2)
            + (double)g.Pool2Output * g.Pool2Output * g.Conv4 * (3 * 3 * g.Conv3 / groups)
            + (double)g.Pool2Output * g.Pool2Output * g.Conv5 * (3 * 3 * g.Conv4 / groups)
            + (double)g.FlattenedFeatures * g.Fc + (double)g.Fc * g.Fc + (double)g.Fc * classCount;
        return 2 * macs;
    }

    /// <summary>The usual estimate: the backward pass costs twice the forward (gradients for inputs and for weights).</summary>
    public static double TrainingStep(ModelHyperparameters model, int classCount) => 3 * Forward(model, classCount);
}
