using AlexNet.Experiments.Infrastructure.Storage;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using AlexNet.Experiments.Infrastructure.Torch.Model;
using AlexNet.Experiments.Infrastructure.Torch.Training;
using AlexNet.Experiments.Domain.Storage;
using AlexNet.Experiments.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;
using static TorchSharp.torch;

namespace AlexNet.Experiments.Host.Tests.Results;

/// <summary>The export loads in real PyTorch (Debian's python3-torch) into python/alexnet.py and computes the project's logits.</summary>
public sealed class PyTorchExportTests : IAsyncLifetime
{
    private const string Check = """
        import json, sys
        import numpy as np
        import torch
        from alexnet import AlexNet

        folder = sys.argv[1]
        run = json.load(open(f"{folder}/run.json"))
        hp = run["hyperparameters"]
        size = hp["model"]["inputSize"]
        x = torch.from_numpy(np.fromfile(f"{folder}/input.f32", dtype="<f4").reshape(-1, 3, size, size))
        expected = torch.from_numpy(np.fromfile(f"{folder}/logits.f32", dtype="<f4").reshape(x.shape[0], -1))
        state = torch.load(f"{folder}/export.pt")

        def relative_error(net):
            with torch.no_grad():
                return ((net(x) - expected).abs().max() / expected.abs().max()).item()

        # The README's way, then the other LRN convention, to show the check can tell them apart.
        loaded = AlexNet.load(f"{folder}/run.json", f"{folder}/export.pt")
        other_hp = json.loads(json.dumps(hp))
        other_hp["model"]["lrn"]["convention"] = "PyTorch" if hp["model"]["lrn"]["convention"] == "Paper" else "Paper"
        other = AlexNet.from_hyperparameters(other_hp, len(run["datasetVersion"]["classNames"]))
        other.load_state_dict(state)
        other.eval()
        print(sorted(state.keys()))
        print(relative_error(loaded), relative_error(other))
        """;

    private readonly HostFactory factory = new();
    private HttpClient client = null!;
    private FinishedRuns runs = null!;

    public async Task InitializeAsync()
    {
        client = factory.CreateClient();
        runs = await FinishedRuns.SeedAsync(factory.Services);
    }

    public async Task DisposeAsync() => await factory.DisposeAsync();

    [Fact]
    public async Task PyTorch_loads_the_export_and_computes_the_same_logits()
    {
        var response = await client.GetAsync($"/api/runs/{runs.Baseline}/export/pytorch");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentDisposition!.FileNameStar.ShouldBe($"alexnet-{runs.Baseline:N}-epoch-3.pt");

        var folder = Directory.CreateDirectory(Path.Combine(factory.DataDirectory, "export-check")).FullName;
        await File.WriteAllBytesAsync(Path.Combine(folder, "export.pt"), await response.Content.ReadAsByteArrayAsync());

        // The project's logits on a fixed input, from the same checkpoint the export was made from.
        var hp = runs.BaselineHyperparameters;
        var checkpoint = (await factory.Services.GetRequiredService<ResultsStore>().ListArtifactsAsync(runs.Baseline, CancellationToken.None)).Single().Path;
        using (var model = AlexNetModel.Create(hp.Model, FinishedRuns.ClassNames.Length, hp.Seed))
        using (var generator = new Generator(5))
        using (var input = randn([2, 3, hp.Model.InputSize, hp.Model.InputSize], generator: generator))
        {
            Checkpoint.Load(checkpoint, model, optimizer: null);
            model.eval();
            using var logits = model.forward(input);
            logits.std().item<float>().ShouldBeGreaterThan(0.01f); // not a constant: the comparison means something
            await File.WriteAllBytesAsync(Path.Combine(folder, "input.f32"), input.bytes.ToArray());
            await File.WriteAllBytesAsync(Path.Combine(folder, "logits.f32"), logits.bytes.ToArray());
        }

        await File.WriteAllTextAsync(Path.Combine(folder, "run.json"), await client.GetStringAsync($"/api/runs/{runs.Baseline}"));

        var output = await RunPythonAsync(Check, folder);

        var lines = output.Trim().Split('\n');
        lines[0].ShouldBe("['conv1.bias', 'conv1.weight', 'conv2.bias', 'conv2.weight', 'conv3.bias', 'conv3.weight', 'conv4.bias', 'conv4.weight', " +
                          "'conv5.bias', 'conv5.weight', 'fc6.bias', 'fc6.weight', 'fc7.bias', 'fc7.weight', 'fc8.bias', 'fc8.weight']");
        var errors = lines[1].Split(' ').Select(e => double.Parse(e, CultureInfo.InvariantCulture)).ToArray();
        errors[0].ShouldBeLessThan(1e-4);
        errors[1].ShouldBeGreaterThan(1e-3);
    }

    [Fact]
    public async Task An_unknown_run_has_no_export()
    {
        (await client.GetAsync($"/api/runs/{Guid.NewGuid()}/export/pytorch")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    private static async Task<string> RunPythonAsync(string script, string folder)
    {
        var scriptPath = Path.Combine(folder, "check.py");
        await File.WriteAllTextAsync(scriptPath, script);
        var start = new ProcessStartInfo("/usr/bin/python3", [scriptPath, folder]) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["PYTHONPATH"] = Path.Combine(Repository.Root(), "python");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        process.ExitCode.ShouldBe(0, await stderr);
        return await stdout;
    }
}
