using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using AlexNet.Experiments.Infrastructure.Torch.Threading;
using TorchSharp;
using static TorchSharp.torch;

namespace AlexNet.Experiments.Infrastructure.Torch.Model;

/// <summary>
/// Max pooling over k x k windows at stride s (no padding, floor mode) as libtorch computes it, down to which input of a
/// tied window takes the gradient, but vectorised across each output row (channels last: across each position's channels).
/// libtorch's CPU kernel compares one element at a time, and on ReLU maps its unpredictable branch made the first pooling
/// layer cost more than the convolution before it.
/// </summary>
/// <remarks>Only for float32 CPU tensors of N x C x H x W, contiguous or channels last (<see cref="Supports"/>).</remarks>
public static class FusedMaxPool
{
    public static bool Supports(Tensor input, int kernel, int stride)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.device_type == DeviceType.CPU && input.dtype == ScalarType.Float32 && input.dim() == 4
            && (input.is_contiguous() || ChannelsLast.Is(input))
            && kernel >= 1 && stride >= 1 && input.shape[2] >= kernel && input.shape[3] >= kernel && input.numel() <= int.MaxValue;
    }

    public static Tensor Apply(Tensor input, int kernel, int stride)
    {
        if (!Supports(input, kernel, stride))
        {
            throw new ArgumentException(
                $"The fused max pool takes contiguous or channels-last float32 CPU tensors of N x C x H x W with H and W at least the kernel ({kernel}); " +
                $"got {input.dtype} on {input.device} with shape [{string.Join(", ", input.shape)}].",
                nameof(input));
        }

        var window = new PoolWindow(kernel, stride);
        if (!input.requires_grad || !is_grad_enabled())
        {
            var (output, indices) = FusedMaxPoolFunction.Forward(input, window);
            indices.Dispose();
            return output;
        }

        using var scope = NewDisposeScope();
        return FusedMaxPoolFunction.apply(input, window).MoveToOuterDisposeScope();
    }
}

internal readonly record struct PoolWindow(int Kernel, int Stride);

/// <summary>The autograd node: saves the flat in-plane index of each output's maximum, as libtorch's indices.</summary>
internal sealed class FusedMaxPoolFunction : autograd.SingleTensorFunction<FusedMaxPoolFunction>
{
    private const string WindowKey = "window", InputShapeKey = "inputShape", ChannelsLastKey = "channelsLast";

    public override string Name => "FusedMaxPoolBackward";

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var input = (Tensor)vars[0];
        var window = (PoolWindow)vars[1];
        var (output, indices) = Forward(input, window);
        ctx.save_for_backward([indices]);
        ctx.save_data(WindowKey, window);
        ctx.save_data(InputShapeKey, input.shape);
        ctx.save_data(ChannelsLastKey, !input.is_contiguous());
        ctx.set_materialize_grads(false);
        return output;
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        if (grad_output is null || grad_output.IsInvalid)
        {
            return [null!, null!];
        }

        var inputShape = (long[])ctx.get_data(InputShapeKey);
        Tensor gradInput;
        using (var scope = NewDisposeScope())
        {
            var indices = ctx.get_saved_variables()[0];
            var gradient = grad_output.to(ScalarType.Float32);
            gradInput = ((bool)ctx.get_data(ChannelsLastKey)
                ? ChannelsLastBackward(inputShape, indices, ChannelsLast.Of(gradient))
                : Backward(inputShape, indices, gradient.contiguous())).MoveToOuterDisposeScope();
        }

        grad_output.Dispose();
        return [gradInput, null!];
    }

    internal static long[] OutputShape(Tensor input, PoolWindow window)
    {
        long[] shape = input.shape;
        return [shape[0], shape[1], ((shape[2] - window.Kernel) / window.Stride) + 1, ((shape[3] - window.Kernel) / window.Stride) + 1];
    }

    /// <summary>The pooled output in the input's layout, and the indices (N x C x OH x OW, or N x OH x OW x C for a channels-last input).</summary>
    internal static (Tensor Output, Tensor Indices) Forward(Tensor input, PoolWindow window) =>
        input.is_contiguous() ? ContiguousForward(input, window) : ChannelsLastForward(input, window);

    private static unsafe (Tensor Output, Tensor Indices) ChannelsLastForward(Tensor input, PoolWindow window)
    {
        long[] outShape = OutputShape(input, window);
        var geometry = new PoolGeometry(outShape[0], (int)outShape[1], (int)input.shape[2], (int)input.shape[3], (int)outShape[2], (int)outShape[3]);
        var (output, memory) = ChannelsLast.Empty(outShape[0], outShape[1], outShape[2], outShape[3]);
        var indices = empty([outShape[0], outShape[2], outShape[3], outShape[1]], ScalarType.Int32);
        using var inputMemory = ChannelsLast.Memory(input);
        ChannelsLastMaxPoolKernels.Forward(FusedLrn.Pointer(inputMemory), FusedLrn.Pointer(memory), (int*)FusedLrn.Pointer(indices), geometry, window);
        memory.Dispose();
        return (output, indices);
    }

    private static unsafe Tensor ChannelsLastBackward(long[] inputShape, Tensor indices, Tensor gradOutput)
    {
        long[] outShape = [.. gradOutput.shape];
        var geometry = new PoolGeometry(inputShape[0], (int)inputShape[1], (int)inputShape[2], (int)inputShape[3], (int)outShape[2], (int)outShape[3]);
        using var memory = zeros([inputShape[0], inputShape[2], inputShape[3], inputShape[1]], ScalarType.Float32);
        using var gradientMemory = ChannelsLast.Memory(gradOutput);
        ChannelsLastMaxPoolKernels.Backward((int*)FusedLrn.Pointer(indices), FusedLrn.Pointer(gradientMemory), FusedLrn.Pointer(memory), geometry);
        return memory.permute(0, 3, 1, 2);
    }

    private static unsafe (Tensor Output, Tensor Indices) ContiguousForward(Tensor input, PoolWindow window)
    {
        long[] outShape = OutputShape(input, window);
        var indices = empty(outShape, ScalarType.Int32);
        var output = empty(outShape, ScalarType.Float32);
        long planes = outShape[0] * outShape[1];
        int height = (int)input.shape[2], width = (int)input.shape[3], outHeight = (int)outShape[2], outWidth = (int)outShape[3];
        float* x = FusedLrn.Pointer(input), y = FusedLrn.Pointer(output);
        int* index = (int*)FusedLrn.Pointer(indices);
        ForEachPlane(planes, () => new float[MaxPoolKernels.PhaseBufferLength(height, width, outWidth, window)], (plane, buffer) =>
        {
            fixed (float* phases = buffer)
            {
                MaxPoolKernels.ForwardPlane(
                    x + (plane * height * width), y + (plane * outHeight * outWidth), index + (plane * outHeight * outWidth),
                    height, width, outHeight, outWidth, window, phases);
            }
        });
        return (output, indices);
    }

    private static unsafe Tensor Backward(long[] inputShape, Tensor indices, Tensor gradOutput)
    {
        var gradInput = zeros(inputShape, ScalarType.Float32);
        long planes = inputShape[0] * inputShape[1];
        long inPlane = inputShape[2] * inputShape[3], outPlane = indices.shape[2] * indices.shape[3];
        float* g = FusedLrn.Pointer(gradOutput), d = FusedLrn.Pointer(gradInput);
        int* index = (int*)FusedLrn.Pointer(indices);
        ForEachPlane(planes, () => 0, (plane, _) =>
        {
            // Overlapping windows add into one input in output order, as libtorch's backward does.
            float* dPlane = d + (plane * inPlane);
            for (long o = plane * outPlane, end = o + outPlane; o < end; o++)
            {
                dPlane[index[o]] += g[o];
            }
        });
        return gradInput;
    }

    /// <summary>Planes shared out over libtorch's thread count for this thread (one on the torch workers).</summary>
    private static void ForEachPlane<TScratch>(long planes, Func<TScratch> scratch, Action<long, TScratch> body)
    {
        const long chunk = 16;
        long chunks = (planes + chunk - 1) / chunk, next = -1;
        void Work()
        {
            var mine = scratch();
            for (long c = Interlocked.Increment(ref next); c < chunks; c = Interlocked.Increment(ref next))
            {
                for (long plane = c * chunk, end = Math.Min(planes, plane + chunk); plane < end; plane++)
                {
                    body(plane, mine);
                }
            }
        }

        TorchWorkers.RunAlongside(Work, (int)Math.Min(Math.Max(1, torch.get_num_threads()), chunks));
    }
}

/// <summary>
/// One plane's pooling. Each input row is first split into its stride phases (phase p holds columns p, p + s, ...), so the
/// window element kw of consecutive outputs is one contiguous run: column s * ox + kw is phase kw % s at ox + kw / s.
/// The window is then scanned in libtorch's order, rows then columns, keeping a value that is greater or NaN.
/// </summary>
internal static unsafe class MaxPoolKernels
{
    private static readonly int Width = Vector256<float>.Count;

    /// <summary>Floats of scratch for one plane: every row's phases, padded so whole vectors can be read past the last output.</summary>
    public static int PhaseBufferLength(int height, int width, int outWidth, PoolWindow window) =>
        height * window.Stride * PhaseLength(outWidth, window);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ForwardPlane(
        float* input, float* output, int* indices, int height, int width, int outHeight, int outWidth, PoolWindow w, float* phases)
    {
        int phaseLength = PhaseLength(outWidth, w);
        for (int row = 0; row < height; row++)
        {
            float* source = input + (row * width);
            for (int p = 0; p < w.Stride; p++)
            {
                float* phase = phases + (((row * w.Stride) + p) * phaseLength);
                int j = 0;
                for (int column = p; column < width && j < phaseLength; column += w.Stride, j++)
                {
                    phase[j] = source[column];
                }

                for (; j < phaseLength; j++)
                {
                    phase[j] = float.NegativeInfinity;
                }
            }
        }

        var lanes = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7) * w.Stride;
        for (int oy = 0; oy < outHeight; oy++)
        {
            int top = oy * w.Stride;
            float* outRow = output + (oy * outWidth);
            int* indexRow = indices + (oy * outWidth);
            for (int ox = 0; ox < outWidth; ox += Width)
            {
                var best = Vector256.Create(float.NegativeInfinity);
                var at = Vector256.Create(top * width) + lanes + Vector256.Create(ox * w.Stride);
                for (int kh = 0; kh < w.Kernel; kh++)
                {
                    int row = top + kh;
                    for (int kw = 0; kw < w.Kernel; kw++)
                    {
                        var value = Vector256.Load(phases + (((row * w.Stride) + (kw % w.Stride)) * phaseLength) + ox + (kw / w.Stride));
                        var take = Vector256.GreaterThan(value, best) | ~Vector256.Equals(value, value);
                        best = Vector256.ConditionalSelect(take, value, best);
                        var position = Vector256.Create((row * width) + (ox * w.Stride) + kw) + lanes;
                        at = Vector256.ConditionalSelect(take.AsInt32(), position, at);
                    }
                }

                int count = Math.Min(Width, outWidth - ox);
                if (count == Width)
                {
                    Vector256.Store(best, outRow + ox);
                    Vector256.Store(at, indexRow + ox);
                }
                else
                {
                    for (int lane = 0; lane < count; lane++)
                    {
                        outRow[ox + lane] = best.GetElement(lane);
                        indexRow[ox + lane] = at.GetElement(lane);
                    }
                }
            }
        }
    }

    // Every output vector reads up to Width lanes from ox + (k - 1) / s on; round up so the last one stays inside.
    private static int PhaseLength(int outWidth, PoolWindow w) =>
        (((outWidth + Width - 1) / Width) * Width) + ((w.Kernel - 1) / w.Stride);
}
