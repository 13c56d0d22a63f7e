using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace AlexNet.Experiments.Infrastructure.Torch.Model;

/// <summary>
/// Cross-channel local response normalisation, b = a / (k + alpha * sum a^2)^beta, computed by vectorised C# over the
/// tensor's memory with a hand-written backward. libtorch composes LRN from pow, avg_pool3d and friends, which on the
/// CPU costs about ten ReLUs forward and backward; this does one memory-bound pass each way.
/// </summary>
/// <remarks>
/// Only for float32 CPU tensors, contiguous or channels last (<see cref="Supports"/>); the backward is not itself differentiable.
/// </remarks>
public static class FusedLrn
{
    /// <summary>Whether <see cref="Apply"/> can take <paramref name="input"/> split into <paramref name="groups"/> channel groups.</summary>
    public static bool Supports(Tensor input, int groups)
    {
        ArgumentNullException.ThrowIfNull(input);
        return groups >= 1
            && input.device_type == DeviceType.CPU
            && input.dtype == ScalarType.Float32
            && (input.dim() == 4 || (input.dim() == 3 && groups == 1))
            && input.shape[1] % groups == 0
            && input.numel() * sizeof(float) <= int.MaxValue
            && (input.is_contiguous() || ChannelsLast.Is(input));
    }

    /// <summary>Normalises each of <paramref name="groups"/> channel groups over windows of <paramref name="size"/> channels.</summary>
    /// <param name="alpha">The coefficient of the window sum as it stands in the formula: the paper's alpha, or libtorch's alpha / size.</param>
    public static Tensor Apply(Tensor input, int size, double alpha, double beta, double k, int groups)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        if (!Supports(input, groups))
        {
            throw new ArgumentException(
                $"The fused LRN takes contiguous or channels-last float32 CPU tensors of 3 or 4 dimensions whose channels split into {groups} groups; " +
                $"got {input.dtype} on {input.device} with shape [{string.Join(", ", input.shape)}].",
                nameof(input));
        }

        var window = new LrnWindow(size, (float)alpha, (float)beta, (float)k, groups);
        if (!input.requires_grad || !is_grad_enabled())
        {
            return FusedLrnFunction.Forward(input, window);
        }

        // Tensors made inside apply (the raw forward output, TorchSharp's per-node output cache) would otherwise wait
        // for the finaliser when the caller has no dispose scope; only the graph-attached output leaves.
        using var scope = NewDisposeScope();
        return FusedLrnFunction.apply(input, window).MoveToOuterDisposeScope();
    }

    internal static unsafe float* Pointer(Tensor tensor) =>
        (float*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(tensor.bytes));
}

/// <summary>The autograd node: saves only the input, and recomputes the window sums in backward (cheaper than storing them).</summary>
internal sealed class FusedLrnFunction : autograd.SingleTensorFunction<FusedLrnFunction>
{
    private const string WindowKey = "window";

    public override string Name => "FusedLrnBackward";

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var input = (Tensor)vars[0];
        var window = (LrnWindow)vars[1];
        ctx.save_for_backward([input]);
        ctx.save_data(WindowKey, window);

        // An unused output then gets no gradient instead of a materialised zero one, which TorchSharp would build from
        // an output cache that Apply's dispose scope has already released.
        ctx.set_materialize_grads(false);
        return Forward(input, window);
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        if (grad_output is null || grad_output.IsInvalid)
        {
            return [null!, null!];
        }

        var window = (LrnWindow)ctx.get_data(WindowKey);
        Tensor gradInput;
        using (var scope = NewDisposeScope())
        {
            var saved = ctx.get_saved_variables();
            var input = saved[0];
            var gradient = grad_output.to(ScalarType.Float32);
            gradient = input.is_contiguous() ? gradient.contiguous() : ChannelsLast.Of(gradient);
            gradInput = Backward(input, gradient, window).MoveToOuterDisposeScope();
        }

        // The engine holds its own reference; releasing ours now frees an activation-sized buffer without waiting for the GC.
        grad_output.Dispose();
        return [gradInput, null!];
    }

    internal static unsafe Tensor Forward(Tensor input, LrnWindow window)
    {
        if (!input.is_contiguous())
        {
            var (result, memory) = ChannelsLast.Empty(input.shape[0], input.shape[1], input.shape[2], input.shape[3]);
            using var inputMemory = ChannelsLast.Memory(input);
            ChannelsLastLrnKernels.Forward(
                FusedLrn.Pointer(inputMemory), FusedLrn.Pointer(memory), Positions(input), (int)input.shape[1], window);
            memory.Dispose();
            return result;
        }

        var output = empty(input.shape, ScalarType.Float32, input.device);
        if (input.numel() > 0)
        {
            var (samples, channels, plane) = Layout(input);
            FusedLrnKernels.Forward(FusedLrn.Pointer(input), FusedLrn.Pointer(output), samples, channels, plane, window);
        }

        return output;
    }

    private static unsafe Tensor Backward(Tensor input, Tensor gradOutput, LrnWindow window)
    {
        if (!input.is_contiguous())
        {
            var (result, memory) = ChannelsLast.Empty(input.shape[0], input.shape[1], input.shape[2], input.shape[3]);
            using var inputMemory = ChannelsLast.Memory(input);
            using var gradientMemory = ChannelsLast.Memory(gradOutput);
            ChannelsLastLrnKernels.Backward(
                FusedLrn.Pointer(inputMemory), FusedLrn.Pointer(gradientMemory), FusedLrn.Pointer(memory), Positions(input), (int)input.shape[1], window);
            memory.Dispose();
            return result;
        }

        var gradInput = empty(input.shape, ScalarType.Float32, input.device);
        if (input.numel() > 0)
        {
            var (samples, channels, plane) = Layout(input);
            FusedLrnKernels.Backward(
                FusedLrn.Pointer(input), FusedLrn.Pointer(gradOutput), FusedLrn.Pointer(gradInput), samples, channels, plane, window);
        }

        return gradInput;
    }

    private static long Positions(Tensor input) => input.shape[0] * input.shape[2] * input.shape[3];

    private static (long Samples, long Channels, long Plane) Layout(Tensor input)
    {
        long[] shape = input.shape;
        return (shape[0], shape[1], shape.Skip(2).Aggregate(1L, (x, y) => x * y));
    }
}
