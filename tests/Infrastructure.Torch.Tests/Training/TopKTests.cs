using AlexNet.Experiments.Infrastructure.Torch.Training;
using static TorchSharp.torch;

namespace AlexNet.Experiments.Infrastructure.Torch.Tests.Training;

public sealed class TopKTests
{
    [Fact]
    public void Counts_labels_in_the_first_and_the_first_five_scores()
    {
        using var scope = NewDisposeScope();
        var scores = tensor(new float[,]
        {
            { 0.1f, 0.9f, 0.0f, 0.3f, 0.2f, 0.4f, 0.5f }, // label 1 is the best: top-1 and top-5
            { 0.6f, 0.1f, 0.7f, 0.2f, 0.3f, 0.4f, 0.5f }, // label 0 is second: top-5 only
            { 0.6f, 0.1f, 0.7f, 0.2f, 0.3f, 0.4f, 0.5f }, // label 1 is last: neither
            { 0.6f, 0.1f, 0.7f, 0.2f, 0.3f, 0.4f, 0.5f }, // label 4 is fifth: top-5 only
            { 0.6f, 0.1f, 0.7f, 0.2f, 0.3f, 0.4f, 0.5f }, // label 3 is sixth: neither
            { -3f, -1f, -2f, -6f, -5f, -4f, -7f },        // label 1 is the best of negative scores
        });
        var labels = tensor(new long[] { 1, 0, 1, 4, 3, 1 });

        TopK.Correct(scores, labels).ShouldBe((2L, 4L));
    }

    [Fact]
    public void Top_five_is_capped_at_the_class_count()
    {
        using var scope = NewDisposeScope();
        var scores = tensor(new float[,] { { 0.2f, 0.5f, 0.3f }, { 0.9f, 0.05f, 0.05f } });
        var labels = tensor(new long[] { 0, 2 });

        TopK.Correct(scores, labels).ShouldBe((0L, 2L));
    }
}
