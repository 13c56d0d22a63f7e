using AlexNet.Experiments.Infrastructure.Torch.Model;
using AlexNet.Experiments.Infrastructure.Torch.Threading;
using static TorchSharp.torch;

namespace AlexNet.Experiments.Infrastructure.Torch.Tests.Model;

/// <summary>
/// The fused max pool gives libtorch's values, libtorch's choice of maximum in a tied window, and libtorch's gradient, bit
/// for bit, on contiguous and on channels-last input, and keeps the input's layout.
/// </summary>
public sealed class FusedMaxPoolTests
{
    public static TheoryData<long[], int, int> Shapes() => new()
    {
        { [2, 3, 26, 26], 3, 2 }, // the fashion-mnist preset's pool1: 12 outputs a row, a vector and a partial one
        { [2, 5, 12, 12], 3, 2 },
        { [1, 4, 5, 5], 3, 2 },
        { [2, 3, 13, 13], 2, 2 }, // the non-overlapping ablation on an odd size: the last column is never read
        { [1, 2, 19, 17], 5, 3 },
        { [1, 3, 20, 40], 3, 1 }, // 38 outputs a row: several vectors
        { [1, 2, 4, 4], 1, 1 },
        { [3, 2, 9, 9], 9, 9 },
        { [2, 19, 13, 13], 3, 2 }, // channels last: two vectors of channels and a scalar tail
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Values_maxima_and_gradients_equal_libtorchs_on_distinct_values(long[] shape, int kernel, int stride)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(7);
        Compare(randn(shape, generator: generator), kernel, stride);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Ties_go_to_libtorchs_first_maximum_in_row_major_window_order(long[] shape, int kernel, int stride)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(8);
        // ReLU'd values on a coarse grid: most windows hold several equal maxima, many of them zero.
        Compare((randn(shape, generator: generator) * 2).round().clamp_min(0), kernel, stride);
    }

    [Fact]
    public void NaN_wins_a_window_and_all_minus_infinity_keeps_the_first_element()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(9);
        var input = randn([2, 3, 11, 11], generator: generator);
        input[0, 0, 4, 5] = float.NaN;
        input[1, 2, 0, 0] = float.NaN;
        input[1, 2, 0, 1] = float.NaN;
        input[0, 1, 0..3, 0..3] = tensor(float.NegativeInfinity);
        Compare(input, 3, 2);
    }

    [Fact]
    public void On_a_torch_worker_the_planes_are_pooled_on_that_thread_alone_with_the_same_result()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(10);
        var input = randn([8, 6, 26, 26], generator: generator);
        var here = FusedMaxPool.Apply(input, 3, 2);
        Tensor? onWorker = null;
        TorchWorkers.RunEachOnWorker(1, _ => onWorker = FusedMaxPool.Apply(input, 3, 2).DetachFromDisposeScope());

        onWorker!.bytes.ToArray().ShouldBe(here.bytes.ToArray());
        onWorker.Dispose();
    }

    private static void Compare(Tensor values, int kernel, int stride)
    {
        var expectedOutput = nn.functional.max_pool2d(values, kernel, stride);
        using var generator = new Generator(3);
        var upstream = randn(expectedOutput.shape, generator: generator);
        var torchInput = values.detach().requires_grad_();
        (nn.functional.max_pool2d(torchInput, kernel, stride) * upstream).sum().backward();

        foreach (var layout in new[] { values, values.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2) })
        {
            bool channelsLast = !layout.is_contiguous();
            var fusedOutput = FusedMaxPool.Apply(layout, kernel, stride);
            Bits(fusedOutput).ShouldBe(Bits(expectedOutput), channelsLast ? "channels last" : "contiguous");
            (channelsLast ? ChannelsLast.Is(fusedOutput) : fusedOutput.is_contiguous()).ShouldBeTrue();

            var fusedInput = layout.detach().requires_grad_();
            (FusedMaxPool.Apply(fusedInput, kernel, stride) * upstream).sum().backward();

            // The gradient lands where the maximum was, so equal gradients mean equal indices, ties and NaN included.
            Bits(fusedInput.grad!).ShouldBe(Bits(torchInput.grad!), channelsLast ? "channels last" : "contiguous");
        }
    }

    private static int[] Bits(Tensor tensor) => [.. tensor.contiguous().data<float>().ToArray().Select(BitConverter.SingleToInt32Bits)];
}
