using AlexNet.Experiments.Infrastructure.Torch.Model;
using AlexNet.Experiments.Infrastructure.Torch.Threading;
using TorchSharp;
using static TorchSharp.torch;

namespace AlexNet.Experiments.Infrastructure.Torch.OneDnn;

/// <summary>
/// Checks oneDNN's float32 convolutions against float64 on this CPU, uncapped: the shapes of the known fault (an input of
/// 3 to 128 channels per group, plain, grouped and as a channel slice of a wider tensor, the way a tower reads its half, at
/// 27×27 with 5×5 kernels and 13×13 with 3×3, on 1 and 2 threads), and the paper's five convolutions forward and backward;
/// each with contiguous and with channels-last input, the layout the network computes in on the CPU. It must run in a process whose first libtorch call it is, with no cap set (see <see cref="OneDnnGuard"/>).
/// </summary>
public static class OneDnnProbe
{
    /// <summary>Part of the cached verdict's key: a change to the shapes below makes every machine probe again.</summary>
    public const int Version = 2;

    /// <summary>
    /// A float32 result this far from float64, relative to the largest float64 value, is wrong. Rounding over the probe's
    /// longest sums (3,456 products) stays below 1e-5; the fault's results are off by whole values.
    /// </summary>
    public const double Tolerance = 1e-3;

    private static readonly int[] ChannelsPerGroup = [3, 17, 24, 48, 72, 128];

    public static IReadOnlyList<ProbeCase> Cases() =>
        [.. LayoutCases().SelectMany(c => new[] { c, c with { Name = $"{c.Name}, channels last", Form = c.Form | ProbeForm.ChannelsLast } })];

    private static List<ProbeCase> LayoutCases()
    {
        var cases = new List<ProbeCase>();
        foreach (int threads in new[] { 1, 2 })
        {
            foreach (var (size, kernel) in new[] { (27, 5), (13, 3) })
            {
                foreach (int channels in ChannelsPerGroup)
                {
                    foreach (var form in new[] { ProbeForm.Plain, ProbeForm.Grouped, ProbeForm.ChannelSlice })
                    {
                        cases.Add(new ProbeCase($"{form} {channels}->32 {kernel}x{kernel} at {size}x{size}", form, channels, 32, kernel, 1, kernel / 2, size, threads));
                    }
                }
            }

            cases.Add(new ProbeCase("AlexNet conv1 3->96 11x11/4 at 227x227", ProbeForm.ForwardBackward, 3, 96, 11, 4, 0, 227, threads));
            cases.Add(new ProbeCase("AlexNet conv2 2x(48->128) 5x5 at 27x27", ProbeForm.ForwardBackward | ProbeForm.Grouped, 48, 128, 5, 1, 2, 27, threads));
            cases.Add(new ProbeCase("AlexNet conv3 256->384 3x3 at 13x13", ProbeForm.ForwardBackward, 256, 384, 3, 1, 1, 13, threads));
            cases.Add(new ProbeCase("AlexNet conv4 2x(192->192) 3x3 at 13x13", ProbeForm.ForwardBackward | ProbeForm.Grouped, 192, 192, 3, 1, 1, 13, threads));
            cases.Add(new ProbeCase("AlexNet conv5 2x(192->128) 3x3 at 13x13", ProbeForm.ForwardBackward | ProbeForm.Grouped, 192, 128, 3, 1, 1, 13, threads));
        }

        return cases;
    }

    /// <param name="tamper">Changes a float32 result before it is compared: how the tests show a wrong result is caught.</param>
    public static OneDnnProbeResult Run(Func<ProbeCase, Tensor, Tensor>? tamper = null)
    {
        var cases = Cases();
        var wrong = new List<ProbeFinding>();
        foreach (var (index, probeCase) in cases.Index())
        {
            // This thread's own count: the process-wide one stays as it was for every other thread.
            int threadCount = Math.Min(probeCase.Threads, Environment.ProcessorCount);
            using var threads = IntraOpThreads.Use(threadCount);
            double error = RelativeError(probeCase, seed: index, tamper);
            if (!(error <= Tolerance))
            {
                // NaN and infinity (a result that blew up) as the largest error JSON can carry.
                wrong.Add(new ProbeFinding(probeCase.Name, threadCount, double.IsFinite(error) ? error : double.MaxValue));
            }
        }

        return new OneDnnProbeResult(cases.Count, wrong);
    }

    /// <summary>The largest difference between float32 and float64 over every result of the case, relative to float64's largest value.</summary>
    private static double RelativeError(ProbeCase c, int seed, Func<ProbeCase, Tensor, Tensor>? tamper)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator((ulong)seed);
        int groups = c.Form.HasFlag(ProbeForm.Grouped) ? 2 : 1;
        int channels = c.InputChannelsPerGroup * groups;
        bool slice = c.Form.HasFlag(ProbeForm.ChannelSlice);
        int batch = c.Form.HasFlag(ProbeForm.ForwardBackward) ? 1 : 2; // the paper's layers are large enough with one image
        var wide64 = torch.randn([batch, slice ? channels * 3 : channels, c.Size, c.Size], dtype: float64, generator: generator);
        var weight64 = torch.randn([c.OutputChannelsPerGroup * groups, c.InputChannelsPerGroup, c.Kernel, c.Kernel], dtype: float64, generator: generator);
        var wide32 = c.Form.HasFlag(ProbeForm.ChannelsLast) ? ChannelsLast.Of(wide64.to(float32)) : wide64.to(float32);
        var (input64, input32) = slice ? (wide64.narrow(1, channels, channels), wide32.narrow(1, channels, channels)) : (wide64, wide32);

        var results32 = Compute(c, input32, weight64.to(float32), groups);
        var results64 = Compute(c, input64, weight64, groups);
        return results32.Zip(results64).Max(pair => Relative(tamper is null ? pair.First : tamper(c, pair.First), pair.Second));
    }

    /// <summary>The output; with <see cref="ProbeForm.ForwardBackward"/> also the input's and the weight's gradients for a fixed gradient from above.</summary>
    private static Tensor[] Compute(ProbeCase c, Tensor input, Tensor weight, int groups)
    {
        bool backward = c.Form.HasFlag(ProbeForm.ForwardBackward);
        var x = input.detach().requires_grad_(backward);
        var w = weight.detach().requires_grad_(backward);
        var output = nn.functional.conv2d(x, w, strides: [c.Stride, c.Stride], padding: [c.Padding, c.Padding], groups: groups);
        if (!backward)
        {
            return [output];
        }

        var fromAbove = torch.cos(torch.arange(output.numel(), dtype: output.dtype)).reshape(output.shape);
        var gradients = autograd.grad([output], [x, w], [fromAbove]);
        return [output.detach(), gradients[0], gradients[1]];
    }

    private static double Relative(Tensor actual, Tensor reference)
    {
        var expected = reference.to(float64);
        double scale = expected.abs().max().item<double>();
        return (actual.to(float64) - expected).abs().max().item<double>() / Math.Max(scale, double.Epsilon);
    }
}

[Flags]
public enum ProbeForm
{
    Plain = 0,
    Grouped = 1,
    ChannelSlice = 2,
    ForwardBackward = 4,
    ChannelsLast = 8,
}

/// <summary>One convolution the probe computes in float32 and float64.</summary>
public sealed record ProbeCase(
    string Name, ProbeForm Form, int InputChannelsPerGroup, int OutputChannelsPerGroup, int Kernel, int Stride, int Padding, int Size, int Threads);

/// <summary>A case whose float32 result was wrong: its largest error relative to float64's largest value.</summary>
public sealed record ProbeFinding(string Case, int Threads, double RelativeError);

/// <summary>What the probe found: how many cases it computed, and those that came out wrong.</summary>
public sealed record OneDnnProbeResult(int CasesChecked, IReadOnlyList<ProbeFinding> Wrong);
