using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using AlexNet.Experiments.Infrastructure.Torch.Threading;

namespace AlexNet.Experiments.Infrastructure.Torch.Model;

/// <summary>b = a / (k + Alpha * sum a^2)^beta over <see cref="Size"/> channels, each of <see cref="Groups"/> channel groups on its own.</summary>
/// <param name="Alpha">The coefficient of the window sum itself (libtorch's alpha / n).</param>
internal readonly record struct LrnWindow(int Size, float Alpha, float Beta, float K, int Groups)
{
    /// <summary>Channels before c in c's window; like libtorch, the window is c - n/2 .. c + (n-1)/2, clipped.</summary>
    public int Before => Size / 2;

    public int After => (Size - 1) / 2;
}

/// <summary>
/// Forward and backward LRN over contiguous N x C x (spatial) float32 memory. Each (sample, group) is cut into spatial
/// tiles; a tile walks the channels once with running window sums, so the cost is independent of n and the few planes
/// in flight stay in cache: the passes are bound by memory bandwidth, not by the window.
/// </summary>
internal static unsafe class FusedLrnKernels
{
    // Tiles of this many positions keep a backward step's working set (n + 4 planes of a tile) within L2.
    private const int MaxTile = 2048;

    private static readonly int Width = Vector256<float>.Count;

    public static void Forward(float* input, float* output, long samples, long channels, long plane, LrnWindow window) =>
        ForEachTile(samples, channels, plane, window, (offset, tile, scratch) =>
            ForwardTile(input + offset, output + offset, (int)(channels / window.Groups), plane, tile, window, scratch.SumOfSquares));

    public static void Backward(float* input, float* gradOutput, float* gradInput, long samples, long channels, long plane, LrnWindow window) =>
        ForEachTile(samples, channels, plane, window, (offset, tile, scratch) =>
            BackwardTile(input + offset, gradOutput + offset, gradInput + offset, (int)(channels / window.Groups), plane, tile, window, scratch));

    private delegate void TileAction(long offset, int length, Scratch scratch);

    private static void ForEachTile(long samples, long channels, long plane, LrnWindow window, TileAction action)
    {
        long tilesPerPlane = (plane + MaxTile - 1) / MaxTile;
        int tile = (int)RoundUp((plane + tilesPerPlane - 1) / tilesPerPlane, Width);
        tilesPerPlane = (plane + tile - 1) / tile;
        long groupStride = channels / window.Groups * plane;
        long items = samples * window.Groups * tilesPerPlane;
        int threads = Math.Max(1, TorchSharp.torch.get_num_threads());

        void Run(long item, Scratch scratch)
        {
            long group = item / tilesPerPlane;
            long start = item % tilesPerPlane * tile;
            action((group * groupStride) + start, (int)Math.Min(tile, plane - start), scratch);
        }

        long next = -1;
        void Work()
        {
            var scratch = Scratch.For(tile, window.Size);
            for (long item = Interlocked.Increment(ref next); item < items; item = Interlocked.Increment(ref next))
            {
                Run(item, scratch);
            }
        }

        TorchWorkers.RunAlongside(Work, (int)Math.Min(threads, items));
    }

    // Straight to optimised code: tier-0 vector code is many times slower, and the first training steps would pay for it.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardTile(float* a, float* b, int channels, long plane, int length, LrnWindow w, double* sum)
    {
        new Span<double>(sum, length).Clear();
        for (int c = 0; c < Math.Min(w.After, channels); c++)
        {
            AddSquares(sum, a + (c * plane), length);
        }

        var alpha = Vector256.Create(w.Alpha);
        var k = Vector256.Create(w.K);
        bool threeQuarters = w.Beta == 0.75f;
        for (int c = 0; c < channels; c++)
        {
            float* enter = c + w.After < channels ? a + ((c + w.After) * plane) : null;
            float* leave = c - w.Before - 1 >= 0 ? a + ((c - w.Before - 1) * plane) : null;
            float* x = a + (c * plane);
            float* y = b + (c * plane);
            int i = 0;
            for (; i <= length - Width; i += Width)
            {
                var s = Vector256.FusedMultiplyAdd(alpha, SlideWindow(sum + i, enter, leave, i), k);
                Vector256.Store(Vector256.Load(x + i) * InversePowers(s, w.Beta, threeQuarters).Power, y + i);
            }

            for (; i < length; i++)
            {
                float s = MathF.FusedMultiplyAdd(w.Alpha, SlideWindowScalar(sum + i, enter, leave, i), w.K);
                y[i] = x[i] * InversePowers(s, w.Beta, threeQuarters).Power;
            }
        }
    }

    /// <summary>
    /// grad a_j = g_j s_j^-beta - 2 alpha beta a_j * sum over the c whose window holds j of g_c a_c s_c^(-beta-1).
    /// Those c are j - after .. j + before, so the second sum runs <see cref="LrnWindow.Before"/> channels behind the first.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BackwardTile(float* a, float* g, float* d, int channels, long plane, int length, LrnWindow w, Scratch scratch)
    {
        double* sum = scratch.SumOfSquares;
        double* sumT = scratch.SumOfTerms;
        new Span<double>(sum, length).Clear();
        new Span<double>(sumT, length).Clear();
        for (int c = 0; c < Math.Min(w.After, channels); c++)
        {
            AddSquares(sum, a + (c * plane), length);
        }

        var alpha = Vector256.Create(w.Alpha);
        var k = Vector256.Create(w.K);
        float coefficient = 2 * w.Alpha * w.Beta;
        var vCoefficient = Vector256.Create(coefficient);
        bool threeQuarters = w.Beta == 0.75f;
        for (int c = 0; c < channels + w.Before; c++)
        {
            bool live = c < channels;
            float* enter = live && c + w.After < channels ? a + ((c + w.After) * plane) : null;
            float* leave = live && c - w.Before - 1 >= 0 ? a + ((c - w.Before - 1) * plane) : null;
            float* ac = a + (c * plane);
            float* gc = g + (c * plane);
            float* dc = d + (c * plane);

            // The ring holds the last n terms; slot c % n holds term c - n until term c replaces it.
            float* slot = scratch.Ring + (c % w.Size * length);
            bool drop = c >= w.Size;
            int j = c - w.Before;
            float* aj = j >= 0 ? a + (j * plane) : null;
            float* dj = j >= 0 ? d + (j * plane) : null;

            int i = 0;
            for (; i <= length - Width; i += Width)
            {
                var t0 = Vector256.Load(sumT + i);
                var t1 = Vector256.Load(sumT + i + (Width / 2));
                if (live)
                {
                    var s = Vector256.FusedMultiplyAdd(alpha, SlideWindow(sum + i, enter, leave, i), k);
                    var (inv, invOverS) = InversePowers(s, w.Beta, threeQuarters);
                    var gv = Vector256.Load(gc + i);
                    Vector256.Store(gv * inv, dc + i);
                    var term = gv * Vector256.Load(ac + i) * invOverS;
                    (t0, t1) = Add(t0, t1, term);
                    if (drop)
                    {
                        (t0, t1) = Subtract(t0, t1, Vector256.Load(slot + i));
                    }

                    Vector256.Store(term, slot + i);
                }
                else if (drop)
                {
                    (t0, t1) = Subtract(t0, t1, Vector256.Load(slot + i));
                }

                Vector256.Store(t0, sumT + i);
                Vector256.Store(t1, sumT + i + (Width / 2));
                if (aj != null)
                {
                    var correction = vCoefficient * Vector256.Load(aj + i) * Vector256.Narrow(t0, t1);
                    Vector256.Store(Vector256.Load(dj + i) - correction, dj + i);
                }
            }

            for (; i < length; i++)
            {
                if (live)
                {
                    float s = MathF.FusedMultiplyAdd(w.Alpha, SlideWindowScalar(sum + i, enter, leave, i), w.K);
                    var (inv, invOverS) = InversePowers(s, w.Beta, threeQuarters);
                    dc[i] = gc[i] * inv;
                    float term = gc[i] * ac[i] * invOverS;
                    sumT[i] += term;
                    if (drop)
                    {
                        sumT[i] -= slot[i];
                    }

                    slot[i] = term;
                }
                else if (drop)
                {
                    sumT[i] -= slot[i];
                }

                if (aj != null)
                {
                    dj[i] -= coefficient * aj[i] * (float)sumT[i];
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddSquares(double* sum, float* x, int length)
    {
        for (int i = 0; i < length; i++)
        {
            sum[i] += x[i] * x[i];
        }
    }

    /// <summary>Moves the window sum at <paramref name="sum"/> on by one channel and returns it.</summary>
    /// <remarks>
    /// The running sums are doubles: in float, a large activation leaving the window would leave its rounding error
    /// behind, relative to itself rather than to what remains.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> SlideWindow(double* sum, float* enter, float* leave, int i)
    {
        var lower = Vector256.Load(sum);
        var upper = Vector256.Load(sum + (Width / 2));
        if (enter != null)
        {
            var x = Vector256.Load(enter + i);
            (lower, upper) = Add(lower, upper, x * x);
        }

        if (leave != null)
        {
            var x = Vector256.Load(leave + i);
            (lower, upper) = Subtract(lower, upper, x * x);
        }

        Vector256.Store(lower, sum);
        Vector256.Store(upper, sum + (Width / 2));
        return Vector256.Narrow(lower, upper);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float SlideWindowScalar(double* sum, float* enter, float* leave, int i)
    {
        if (enter != null)
        {
            *sum += enter[i] * enter[i];
        }

        if (leave != null)
        {
            *sum -= leave[i] * leave[i];
        }

        return (float)*sum;
    }

    /// <summary>s^-beta, and s^(-beta-1) for the backward.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static (Vector256<float> Power, Vector256<float> PowerOverS) InversePowers(Vector256<float> s, float beta, bool threeQuarters)
    {
        if (threeQuarters)
        {
            // The paper's beta from square roots, far cheaper than exp(log): with r = s^-1/2, s^-3/4 = r sqrt(r), s^-7/4 = that r^2.
            var r = Vector256<float>.One / Vector256.Sqrt(s);
            var power = r * Vector256.Sqrt(r);
            return (power, power * r * r);
        }

        var general = Vector256.Exp(Vector256.Log(s) * -beta);
        return (general, general / s);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static (float Power, float PowerOverS) InversePowers(float s, float beta, bool threeQuarters)
    {
        if (threeQuarters)
        {
            float r = 1f / MathF.Sqrt(s);
            float power = r * MathF.Sqrt(r);
            return (power, power * r * r);
        }

        float general = MathF.Pow(s, -beta);
        return (general, general / s);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<double>, Vector256<double>) Add(Vector256<double> lower, Vector256<double> upper, Vector256<float> x)
    {
        var (xl, xu) = Vector256.Widen(x);
        return (lower + xl, upper + xu);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<double>, Vector256<double>) Subtract(Vector256<double> lower, Vector256<double> upper, Vector256<float> x)
    {
        var (xl, xu) = Vector256.Widen(x);
        return (lower - xl, upper - xu);
    }

    private static long RoundUp(long value, int multiple) => (value + multiple - 1) / multiple * multiple;

    /// <summary>Per-thread working memory for one tile: the two running sums and the ring of the last n backward terms.</summary>
    private sealed class Scratch
    {
        [ThreadStatic]
        private static Scratch? current;

        private readonly double[] sumOfSquares;
        private readonly double[] sumOfTerms;
        private readonly float[] ring;

        private Scratch(int tile, int size)
        {
            // Pinned, so the raw pointers below stay valid without fixed blocks.
            sumOfSquares = GC.AllocateUninitializedArray<double>(tile, pinned: true);
            sumOfTerms = GC.AllocateUninitializedArray<double>(tile, pinned: true);
            ring = GC.AllocateUninitializedArray<float>(tile * size, pinned: true);
        }

        public double* SumOfSquares => (double*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(sumOfSquares));

        public double* SumOfTerms => (double*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(sumOfTerms));

        public float* Ring => (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(ring));

        /// <summary>This thread's scratch, reused from call to call while it is large enough.</summary>
        public static Scratch For(int tile, int size)
        {
            if (current is null || current.sumOfSquares.Length < tile || current.ring.Length < tile * size)
            {
                current = new Scratch(tile, size);
            }

            return current;
        }
    }
}
