using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using AlexNet.Experiments.Infrastructure.Torch.Threading;

namespace AlexNet.Experiments.Infrastructure.Torch.Model;

/// <summary>
/// Max pooling over N x H x W x C float32 memory (channels last), vectorised across each position's contiguous channels.
/// The window is scanned in libtorch's order, rows then columns, keeping a value that is greater or NaN, and each
/// output records the flat in-plane index of its maximum, so values, indices and gradients are those of the N x C x H x W kernel.
/// </summary>
internal static unsafe class ChannelsLastMaxPoolKernels
{
    private static readonly int Width = Vector256<float>.Count;

    /// <summary>Pools every output row (sample, oy) into <paramref name="output"/> and <paramref name="indices"/>, both N x OH x OW x C.</summary>
    public static void Forward(float* input, float* output, int* indices, PoolGeometry geometry, PoolWindow window) =>
        ForEach(geometry.Samples * geometry.OutHeight, row => ForwardRow(input, output, indices, geometry, window, row));

    /// <summary>Adds each output's gradient into its maximum's input, sample by sample, in output order as libtorch's backward does.</summary>
    public static void Backward(int* indices, float* gradOutput, float* gradInput, PoolGeometry geometry) =>
        ForEach(geometry.Samples, sample =>
        {
            long outputs = (long)geometry.OutHeight * geometry.OutWidth * geometry.Channels;
            int channels = geometry.Channels;
            float* g = gradOutput + (sample * outputs), d = gradInput + (sample * geometry.Height * geometry.Width * channels);
            int* index = indices + (sample * outputs);
            for (long o = 0; o < outputs; o += channels)
            {
                for (int c = 0; c < channels; c++)
                {
                    d[((long)index[o + c] * channels) + c] += g[o + c];
                }
            }
        });

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardRow(float* input, float* output, int* indices, PoolGeometry p, PoolWindow w, long row)
    {
        long sample = row / p.OutHeight;
        int oy = (int)(row % p.OutHeight), top = oy * w.Stride, channels = p.Channels;
        float* image = input + (sample * p.Height * p.Width * channels);
        long rowStart = row * p.OutWidth * channels;
        for (int ox = 0; ox < p.OutWidth; ox++)
        {
            int left = ox * w.Stride;
            float* y = output + rowStart + ((long)ox * channels);
            int* at = indices + rowStart + ((long)ox * channels);
            int c = 0;
            for (; c <= channels - Width; c += Width)
            {
                var best = Vector256.Create(float.NegativeInfinity);
                var where = Vector256.Create((top * p.Width) + left);
                for (int kh = 0; kh < w.Kernel; kh++)
                {
                    for (int kw = 0; kw < w.Kernel; kw++)
                    {
                        int position = ((top + kh) * p.Width) + left + kw;
                        var value = Vector256.Load(image + ((long)position * channels) + c);
                        var take = Vector256.GreaterThan(value, best) | ~Vector256.Equals(value, value);
                        best = Vector256.ConditionalSelect(take, value, best);
                        where = Vector256.ConditionalSelect(take.AsInt32(), Vector256.Create(position), where);
                    }
                }

                Vector256.Store(best, y + c);
                Vector256.Store(where, at + c);
            }

            for (; c < channels; c++)
            {
                float best = float.NegativeInfinity;
                int where = (top * p.Width) + left;
                for (int kh = 0; kh < w.Kernel; kh++)
                {
                    for (int kw = 0; kw < w.Kernel; kw++)
                    {
                        int position = ((top + kh) * p.Width) + left + kw;
                        float value = image[((long)position * channels) + c];
                        if (value > best || float.IsNaN(value))
                        {
                            best = value;
                            where = position;
                        }
                    }
                }

                y[c] = best;
                at[c] = where;
            }
        }
    }

    /// <summary>Items shared out over libtorch's thread count for this thread (one on the torch workers).</summary>
    private static void ForEach(long items, Action<long> body)
    {
        long next = -1;
        void Work()
        {
            for (long item = Interlocked.Increment(ref next); item < items; item = Interlocked.Increment(ref next))
            {
                body(item);
            }
        }

        TorchWorkers.RunAlongside(Work, (int)Math.Min(Math.Max(1, TorchSharp.torch.get_num_threads()), items));
    }
}

/// <summary>The sizes of one pooling: input N x C x H x W, output N x C x OH x OW.</summary>
internal readonly record struct PoolGeometry(long Samples, int Channels, int Height, int Width, int OutHeight, int OutWidth);
