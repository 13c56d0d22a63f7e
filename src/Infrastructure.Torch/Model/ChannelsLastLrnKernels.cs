using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using AlexNet.Experiments.Infrastructure.Torch.Threading;

namespace AlexNet.Experiments.Infrastructure.Torch.Model;

/// <summary>
/// Forward and backward LRN over N x H x W x C float32 memory (channels last). A position's channels are contiguous,
/// so each group's squares go into a zero-padded row and a window's sum is <see cref="LrnWindow.Size"/> shifted vector
/// loads of it, added in a fixed order: the result does not depend on how positions are shared out over threads.
/// </summary>
internal static unsafe class ChannelsLastLrnKernels
{
    // Positions handed to a thread at a time: enough to amortise the hand-out, few enough to balance 2 threads.
    private const int Chunk = 64;

    private static readonly int Width = Vector256<float>.Count;

    public static void Forward(float* input, float* output, long positions, int channels, LrnWindow window) =>
        ForEachPosition(positions, channels, window, (position, scratch) =>
        {
            long offset = position * channels;
            int groupChannels = channels / window.Groups;
            for (int g = 0; g < window.Groups; g++)
            {
                long start = offset + (g * groupChannels);
                ForwardGroup(input + start, output + start, groupChannels, window, scratch);
            }
        });

    public static void Backward(float* input, float* gradOutput, float* gradInput, long positions, int channels, LrnWindow window) =>
        ForEachPosition(positions, channels, window, (position, scratch) =>
        {
            long offset = position * channels;
            int groupChannels = channels / window.Groups;
            for (int g = 0; g < window.Groups; g++)
            {
                long start = offset + (g * groupChannels);
                BackwardGroup(input + start, gradOutput + start, gradInput + start, groupChannels, window, scratch);
            }
        });

    private static void ForEachPosition(long positions, int channels, LrnWindow window, Action<long, Scratch> body)
    {
        long chunks = (positions + Chunk - 1) / Chunk, next = -1;
        void Work()
        {
            var scratch = Scratch.For(channels / window.Groups, window.Size);
            for (long chunk = Interlocked.Increment(ref next); chunk < chunks; chunk = Interlocked.Increment(ref next))
            {
                for (long position = chunk * Chunk, end = Math.Min(positions, position + Chunk); position < end; position++)
                {
                    body(position, scratch);
                }
            }
        }

        TorchWorkers.RunAlongside(Work, (int)Math.Min(Math.Max(1, TorchSharp.torch.get_num_threads()), chunks));
    }

    /// <summary>Fills the padded row with the squares: channel c at <see cref="LrnWindow.Before"/> + c, zeros around.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Squares(float* a, int channels, LrnWindow w, float* row)
    {
        new Span<float>(row, w.Before).Clear();
        new Span<float>(row + w.Before + channels, w.After + Width).Clear();
        int c = 0;
        for (; c <= channels - Width; c += Width)
        {
            var x = Vector256.Load(a + c);
            Vector256.Store(x * x, row + w.Before + c);
        }

        for (; c < channels; c++)
        {
            row[w.Before + c] = a[c] * a[c];
        }
    }

    /// <summary>The sum of <paramref name="size"/> consecutive entries of a padded row from <paramref name="at"/> on, for a vector of channels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> WindowSum(float* at, int size)
    {
        var sum = Vector256.Load(at);
        for (int d = 1; d < size; d++)
        {
            sum += Vector256.Load(at + d);
        }

        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float WindowSum(float* at, int size, int lane)
    {
        float sum = at[lane];
        for (int d = 1; d < size; d++)
        {
            sum += at[lane + d];
        }

        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardGroup(float* a, float* b, int channels, LrnWindow w, Scratch scratch)
    {
        float* squares = scratch.Squares;
        Squares(a, channels, w, squares);
        var alpha = Vector256.Create(w.Alpha);
        var k = Vector256.Create(w.K);
        bool threeQuarters = w.Beta == 0.75f;
        int c = 0;
        for (; c <= channels - Width; c += Width)
        {
            var s = Vector256.FusedMultiplyAdd(alpha, WindowSum(squares + c, w.Size), k);
            Vector256.Store(Vector256.Load(a + c) * FusedLrnKernels.InversePowers(s, w.Beta, threeQuarters).Power, b + c);
        }

        for (; c < channels; c++)
        {
            float s = MathF.FusedMultiplyAdd(w.Alpha, WindowSum(squares, w.Size, c), w.K);
            b[c] = a[c] * FusedLrnKernels.InversePowers(s, w.Beta, threeQuarters).Power;
        }
    }

    /// <summary>
    /// grad a_j = g_j s_j^-beta - 2 alpha beta a_j * sum over c = j - after .. j + before of g_c a_c s_c^(-beta-1): the
    /// terms go into a second padded row, offset by <see cref="LrnWindow.After"/>, and are summed like the squares.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BackwardGroup(float* a, float* g, float* d, int channels, LrnWindow w, Scratch scratch)
    {
        float* squares = scratch.Squares, terms = scratch.Terms;
        Squares(a, channels, w, squares);
        new Span<float>(terms, w.After).Clear();
        new Span<float>(terms + w.After + channels, w.Before + Width).Clear();
        var alpha = Vector256.Create(w.Alpha);
        var k = Vector256.Create(w.K);
        bool threeQuarters = w.Beta == 0.75f;
        int c = 0;
        for (; c <= channels - Width; c += Width)
        {
            var s = Vector256.FusedMultiplyAdd(alpha, WindowSum(squares + c, w.Size), k);
            var (power, powerOverS) = FusedLrnKernels.InversePowers(s, w.Beta, threeQuarters);
            var gradient = Vector256.Load(g + c);
            Vector256.Store(gradient * power, d + c);
            Vector256.Store(gradient * Vector256.Load(a + c) * powerOverS, terms + w.After + c);
        }

        for (; c < channels; c++)
        {
            float s = MathF.FusedMultiplyAdd(w.Alpha, WindowSum(squares, w.Size, c), w.K);
            var (power, powerOverS) = FusedLrnKernels.InversePowers(s, w.Beta, threeQuarters);
            d[c] = g[c] * power;
            terms[w.After + c] = g[c] * a[c] * powerOverS;
        }

        float coefficient = 2 * w.Alpha * w.Beta;
        var vCoefficient = Vector256.Create(coefficient);
        for (c = 0; c <= channels - Width; c += Width)
        {
            var correction = vCoefficient * Vector256.Load(a + c) * WindowSum(terms + c, w.Size);
            Vector256.Store(Vector256.Load(d + c) - correction, d + c);
        }

        for (; c < channels; c++)
        {
            d[c] -= coefficient * a[c] * WindowSum(terms, w.Size, c);
        }
    }

    /// <summary>Per-thread padded rows for one group's squares and backward terms.</summary>
    private sealed class Scratch
    {
        [ThreadStatic]
        private static Scratch? current;

        private readonly float[] squares;
        private readonly float[] terms;

        private Scratch(int length)
        {
            squares = GC.AllocateUninitializedArray<float>(length, pinned: true);
            terms = GC.AllocateUninitializedArray<float>(length, pinned: true);
        }

        public float* Squares => (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(squares));

        public float* Terms => (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(terms));

        /// <summary>This thread's rows, reused while long enough: a group's channels, the window on both sides, and a vector of slack.</summary>
        public static Scratch For(int groupChannels, int size)
        {
            int length = groupChannels + size + Width;
            if (current is null || current.squares.Length < length)
            {
                current = new Scratch(length);
            }

            return current;
        }
    }
}
