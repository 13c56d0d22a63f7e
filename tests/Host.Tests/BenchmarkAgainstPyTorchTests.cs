using System.Globalization;
using System.Text.RegularExpressions;
using AlexNet.Experiments.Tests.Shared;

namespace AlexNet.Experiments.Host.Tests;

/// <summary>
/// `benchmark --against-pytorch` (issue 22, item 4) in a real process against Debian's PyTorch: the same network on both
/// sides (the paper's 60,965,224 parameters), a ratio with its spread for each kind of step, and the step's profile layer by layer.
/// </summary>
public sealed partial class BenchmarkAgainstPyTorchTests : IDisposable
{
    private readonly TempDirectory dataDirectory = new();

    public void Dispose() => dataDirectory.Dispose();

    [Fact]
    public async Task It_prints_our_time_as_a_multiple_of_pytorchs_for_each_kind_of_step_with_its_spread_over_rounds()
    {
        using var benchmark = HostProcess.Start("benchmark", "--against-pytorch", "--rounds", "1", $"--AlexNet:DataDirectory={dataDirectory.Path}");
        var (exitCode, _) = await benchmark.WaitForExitAsync(TimeSpan.FromMinutes(10));

        exitCode.ShouldBe(0, benchmark.Output + benchmark.Error);
        benchmark.Output.ShouldStartWith("Machine: ");
        benchmark.Output.ShouldContain("Against PyTorch ");
        benchmark.Output.ShouldContain("full-size two-tower AlexNet, 60,965,224 parameters in both");
        var steps = benchmark.Output.Split('\n').Select(l => StepLine().Match(l.TrimEnd())).Where(m => m.Success).ToList();
        steps.Select(m => m.Groups["step"].Value).ShouldBe(["training step with LRN", "training step without LRN", "evaluation, batch 128"]);
        foreach (var step in steps)
        {
            double ours = Number(step, "ours"), pytorch = Number(step, "pytorch"), ratio = Number(step, "ratio");
            ratio.ShouldBe(ours / pytorch, tolerance: 0.005 + ratio * ((0.5 / ours) + (0.5 / pytorch)), "the ratio of the printed medians, up to their rounding to whole ms");
            Number(step, "low").ShouldBe(ratio, "one round: its ratio is the ratio");
            Number(step, "high").ShouldBe(ratio, "one round: its ratio is the ratio");
        }

        // The profile: every layer of the network in order, each a ratio of its printed times, and their sum.
        string blas = BlasInHeader().Match(benchmark.Output).Groups["blas"].Value;
        File.Exists(blas).ShouldBeTrue($"the BLAS PyTorch loaded, '{blas}'");
        var layers = benchmark.Output.Split('\n').Select(l => LayerLine().Match(l.TrimEnd())).Where(m => m.Success).ToList();
        layers.Select(m => m.Groups["layer"].Value).ShouldBe(
            ["conv1", "lrn1", "pool1", "conv2", "lrn2", "pool2", "conv3", "conv4", "conv5", "pool5", "fc6", "fc7", "fc8"]);
        double trainingStep = Number(steps[0], "ours");
        foreach (var layer in layers)
        {
            double ours = Number(layer, "ours"), pytorch = Number(layer, "pytorch"), ratio = Number(layer, "ratio");
            ratio.ShouldBe(ours / pytorch, tolerance: 0.005 + ratio * ((0.05 / ours) + (0.05 / pytorch)), layer.Groups["layer"].Value);
            Number(layer, "share").ShouldBe(100 * ours / trainingStep, tolerance: 0.5 + (100 * ((0.05 / ours) + (0.5 / trainingStep))));
        }

        var summed = SummedLine().Match(benchmark.Output);
        summed.Success.ShouldBeTrue(benchmark.Output);
        Number(summed, "ours").ShouldBe(layers.Sum(l => Number(l, "ours")), tolerance: 0.5 + (0.05 * layers.Count));
    }

    private static double Number(Match match, string group) => double.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"BLAS (?<blas>/\S+)\)")]
    private static partial Regex BlasInHeader();

    [GeneratedRegex(@"^  (?<layer>conv\d|lrn\d|pool\d|fc\d): +ours +(?<ours>\d+\.\d) ms \( *(?<share>\d+) % of our step\), PyTorch +(?<pytorch>\d+\.\d) ms: (?<ratio>\d+\.\d\d)x \(rounds (?<low>\d+\.\d\d)-(?<high>\d+\.\d\d)\)$")]
    private static partial Regex LayerLine();

    [GeneratedRegex(@"^  layers summed: ours (?<ours>\d+) ms, PyTorch (?<pytorch>\d+) ms", RegexOptions.Multiline)]
    private static partial Regex SummedLine();

    [GeneratedRegex(@"^  (?<step>[a-zA-Z ,0-9]+): +ours +(?<ours>\d+) ms, PyTorch +(?<pytorch>\d+) ms: (?<ratio>\d+\.\d\d)x \(rounds (?<low>\d+\.\d\d)-(?<high>\d+\.\d\d)\)$")]
    private static partial Regex StepLine();
}
