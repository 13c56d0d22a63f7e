using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Infrastructure.Torch.Model;
using AlexNet.Experiments.Infrastructure.Torch.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace AlexNet.Experiments.Infrastructure.Torch.Benchmarks;

/// <summary>One kind of step, ours against PyTorch's: the medians, and each round's ratio of medians.</summary>
public sealed record StepComparison(string Step, double OursSeconds, double PyTorchSeconds, IReadOnlyList<double> RoundRatios)
{
    /// <summary>Our time as a multiple of PyTorch's: below 1 is faster.</summary>
    public double Ratio => OursSeconds / PyTorchSeconds;
}

/// <param name="Layers">The training step's layers one at a time (forward and backward, batch <paramref name="TrainBatch"/>), in network order.</param>
public sealed record PyTorchComparisonFigures(
    string PyTorchVersion,
    string PyTorchBlas,
    long Parameters,
    int Threads,
    int TrainBatch,
    int EvalBatch,
    int Rounds,
    int StepsPerRound,
    IReadOnlyList<StepComparison> Steps,
    IReadOnlyList<StepComparison> Layers);

/// <summary>
/// The paper's full-size two-tower AlexNet, ours (the paper preset's model and optimizer, as shipped) against the same
/// network in Debian's PyTorch (<c>pytorch_alexnet.py</c>, run by /usr/bin/python3), one step each in alternation, so drift
/// in the machine's load hits both alike. The other process waits on a pipe while one computes; each uses the same threads.
/// </summary>
public static class PyTorchComparison
{
    public const string Python = "/usr/bin/python3";
    private const int TrainBatch = 32, EvalBatch = 128;

    /// <summary>Null when Debian's PyTorch can be used; otherwise why not, in one line.</summary>
    public static string? Unavailable()
    {
        if (!File.Exists(Python))
        {
            return $"{Python} is missing (apt-get install python3-torch).";
        }

        var start = new ProcessStartInfo(Python) { RedirectStandardError = true, UseShellExecute = false, ArgumentList = { "-c", "import torch" } };
        using var probe = Process.Start(start)!;
        string error = probe.StandardError.ReadToEnd();
        probe.WaitForExit();
        return probe.ExitCode == 0 ? null : $"{Python} cannot import torch (apt-get install python3-torch): {error.Trim().Split('\n')[^1]}";
    }

    /// <param name="oneDnnCap">The cap this process runs with (null: none): PyTorch's process gets the same.</param>
    public static PyTorchComparisonFigures Run(int rounds, int stepsPerRound, string? oneDnnCap, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stepsPerRound, 1);
        int threads = torch.get_num_threads();
        var paper = new Hyperparameters { BatchSize = TrainBatch };
        var withoutLrnHyperparameters = paper with { Model = paper.Model with { Lrn = paper.Model.Lrn with { Enabled = false } } };
        using var profile = LayerProfile.For(paper.Model, TrainBatch, classCount: 1000);
        using var pytorch = PyTorchProcess.Start(threads, oneDnnCap, new JsonObject
        {
            ["train"] = JsonSerializer.SerializeToNode(paper, HyperparameterJson.Options),
            ["train-nolrn"] = JsonSerializer.SerializeToNode(withoutLrnHyperparameters, HyperparameterJson.Options),
            ["layers"] = profile.Describe(),
        });

        using var withLrn = new TrainingSession(paper, classCount: 1000, epochSeed: 1);
        using var withoutLrn = new TrainingSession(withoutLrnHyperparameters, classCount: 1000, epochSeed: 1);
        long parameters = withLrn.Model.parameters().Sum(p => p.numel());
        if (parameters != pytorch.Parameters)
        {
            throw new InvalidOperationException($"Not the same network: ours has {parameters:N0} parameters, PyTorch's {pytorch.Parameters:N0}.");
        }

        using var generator = new Generator(1);
        int size = paper.Model.InputSize;
        using var images = randn([TrainBatch, 3, size, size], generator: generator);
        using var labels = randint(0, 1000, [TrainBatch], generator: generator);
        using var evalImages = randn([EvalBatch, 3, size, size], generator: generator);

        (string Name, string Command, Action Ours)[] kinds =
        [
            ("training step with LRN", "train", () => withLrn.Step(images, labels, 1e-4, new EpochTotals())),
            ("training step without LRN", "train-nolrn", () => withoutLrn.Step(images, labels, 1e-4, new EpochTotals())),
            ($"evaluation, batch {EvalBatch}", "eval", () => Evaluate(withLrn.Model, evalImages)),
        ];
        (string Name, string Command, Action Ours)[] layers =
            [.. profile.Layers.Select(layer => (layer, $"layer {layer}", (Action)(() => profile.Time(layer))))];
        var steps = Compare(kinds, pytorch, rounds, stepsPerRound, cancellationToken);
        var layerSteps = Compare(layers, pytorch, rounds, stepsPerRound, cancellationToken);
        return new PyTorchComparisonFigures(pytorch.Version, pytorch.Blas, parameters, threads, TrainBatch, EvalBatch, rounds, stepsPerRound, steps, layerSteps);
    }

    /// <summary>Each kind once each way to warm up, then rounds of steps, ours and PyTorch's in alternation.</summary>
    private static List<StepComparison> Compare(
        (string Name, string Command, Action Ours)[] kinds, PyTorchProcess pytorch, int rounds, int stepsPerRound, CancellationToken cancellationToken)
    {
        static double OursSeconds(Action step)
        {
            var clock = Stopwatch.StartNew();
            step();
            return clock.Elapsed.TotalSeconds;
        }

        foreach (var kind in kinds)
        {
            OursSeconds(kind.Ours); // warm-up: JIT, oneDNN primitives
            pytorch.Step(kind.Command);
        }

        var ours = kinds.Select(_ => new List<List<double>>()).ToArray();
        var theirs = kinds.Select(_ => new List<List<double>>()).ToArray();
        for (int round = 0; round < rounds; round++)
        {
            for (int k = 0; k < kinds.Length; k++)
            {
                ours[k].Add([]);
                theirs[k].Add([]);
                for (int step = 0; step < stepsPerRound; step++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    ours[k][round].Add(OursSeconds(kinds[k].Ours));
                    theirs[k][round].Add(pytorch.Step(kinds[k].Command));
                }
            }
        }

        return [.. kinds.Select((kind, k) => new StepComparison(
            kind.Name,
            Samples.Median(ours[k].SelectMany(r => r)),
            Samples.Median(theirs[k].SelectMany(r => r)),
            [.. Enumerable.Range(0, rounds).Select(r => Samples.Median(ours[k][r]) / Samples.Median(theirs[k][r]))]))];
    }

    private static void Evaluate(AlexNetModel model, Tensor images)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        model.eval();
        model.forward(images);
    }

    /// <summary>True for Debian's reference BLAS (libblas3), on which PyTorch's linear layers run an order of magnitude slower than on OpenBLAS.</summary>
    public static bool IsReferenceBlas(string blas) => blas.Contains("/blas/libblas", StringComparison.Ordinal);

    /// <summary>pytorch_alexnet.py in Debian's Python, driven over its standard input.</summary>
    private sealed class PyTorchProcess : IDisposable
    {
        private readonly Process process;
        private readonly string folder;

        private PyTorchProcess(Process process, string folder, string version, long parameters, string blas)
        {
            this.process = process;
            this.folder = folder;
            Version = version;
            Parameters = parameters;
            Blas = blas;
        }

        public string Version { get; }

        /// <summary>The BLAS library PyTorch's linear layers run on, resolved: Debian installs the slow reference one unless told otherwise.</summary>
        public string Blas { get; }

        public long Parameters { get; }

        public static PyTorchProcess Start(int threads, string? oneDnnCap, JsonObject networks)
        {
            string folder = Directory.CreateTempSubdirectory("pytorch-alexnet-").FullName;
            foreach (string resource in new[] { "pytorch_alexnet.py", "alexnet.py" })
            {
                using var source = typeof(PyTorchComparison).Assembly.GetManifestResourceStream(resource)!;
                using var file = File.Create(Path.Combine(folder, resource));
                source.CopyTo(file);
            }

            string networksFile = Path.Combine(folder, "networks.json");
            File.WriteAllText(networksFile, networks.ToJsonString());
            var start = new ProcessStartInfo(Python)
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
                ArgumentList = { Path.Combine(folder, "pytorch_alexnet.py"), $"{threads}", $"{TrainBatch}", $"{EvalBatch}", networksFile },
            };
            if (oneDnnCap is not null)
            {
                start.Environment["ONEDNN_MAX_CPU_ISA"] = oneDnnCap;
            }

            var process = Process.Start(start)!;
            try
            {
                string ready = process.StandardOutput.ReadLine() ?? throw new InvalidOperationException($"{Python} pytorch_alexnet.py ended before it was ready.");
                var words = ready.Split(' ');
                return new PyTorchProcess(process, folder, words[1], long.Parse(words[2], CultureInfo.InvariantCulture), words[3]);
            }
            catch
            {
                Stop(process, folder);
                throw;
            }
        }

        /// <summary>One step of the kind <paramref name="command"/> names; PyTorch's own measure of its seconds.</summary>
        public double Step(string command)
        {
            process.StandardInput.WriteLine(command);
            process.StandardInput.Flush();
            string line = process.StandardOutput.ReadLine() ?? throw new InvalidOperationException($"PyTorch ended during '{command}'.");
            return double.Parse(line, CultureInfo.InvariantCulture);
        }

        public void Dispose() => Stop(process, folder);

        private static void Stop(Process process, string folder)
        {
            process.StandardInput.Close();
            if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                process.Kill();
            }

            process.Dispose();
            Directory.Delete(folder, recursive: true);
        }
    }
}
