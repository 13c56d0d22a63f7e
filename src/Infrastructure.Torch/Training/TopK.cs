using static TorchSharp.torch;

namespace AlexNet.Experiments.Infrastructure.Torch.Training;

/// <summary>Counts of labels found in the top 1 and top 5 scores (top k capped at the class count).</summary>
public static class TopK
{
    public static (long Top1, long Top5) Correct(Tensor scores, Tensor labels)
    {
        int k = (int)Math.Min(5, scores.shape[1]);
        using var top = scores.topk(k, dim: 1).indexes;
        using var hits = top.eq(labels.unsqueeze(1));
        using var top1 = hits[.., 0].sum();
        using var top5 = hits.any(dim: 1).sum();
        return (top1.item<long>(), top5.item<long>());
    }
}
