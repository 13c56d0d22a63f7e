using System.Text.Json.Nodes;
using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Application.Datasets.GenerateSyntheticDataset;
using AlexNet.Experiments.Application.Datasets.ListDatasets;
using AlexNet.Experiments.Application.Datasets.RegisterDataset;
using AlexNet.Experiments.Application.Experiments.SubmitExperiment;
using AlexNet.Experiments.Application.Runs.GetRun;
using AlexNet.Experiments.Application.Runs.GetRunMetrics;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Infrastructure.Storage;
using Mediator;

namespace AlexNet.Experiments.Host.Cli;

/// <summary>
/// The main job end to end, in-process, through the same use cases and Hangfire as the API: generate the synthetic
/// dataset, register it, submit the quickstart preset, and follow the run until it is evaluated.
/// Option: --epochs N overrides the preset's epoch count.
/// </summary>
public static class QuickstartCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        // Port 0: the in-process API must not collide with a server already running on the default port.
        var app = ExperimentsHost.Create([.. args, "--urls=http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:Hangfire=Error"]);
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
        await app.StartAsync(stop.Token);
        try
        {
            await using var scope = app.Services.CreateAsyncScope();
            var mediator = scope.ServiceProvider.GetRequiredService<IMediator>();
            var storage = app.Services.GetRequiredService<StorageOptions>();
            var epochs = app.Configuration.GetValue<int?>("epochs");
            return await RunQuickstartAsync(mediator, storage, epochs, stop.Token);
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
        }
    }

    private static async Task<int> RunQuickstartAsync(IMediator mediator, StorageOptions storage, int? epochs, CancellationToken cancellationToken)
    {
        var sourcePath = Path.Combine(storage.DataDirectory, "sources", "synthetic-shapes");
        Console.WriteLine($"Data folder: {storage.DataDirectory}");
        Console.WriteLine($"Generating the synthetic shapes dataset in {sourcePath} ...");
        sourcePath = await mediator.Send(new GenerateSyntheticDatasetCommand(sourcePath, SyntheticDatasetSpec.Quickstart), cancellationToken);

        var datasets = await mediator.Send(new ListDatasetsQuery(), cancellationToken);
        var dataset = datasets.FirstOrDefault(d => d.SourcePath == sourcePath)
            ?? await mediator.Send(new RegisterDatasetCommand("synthetic-shapes", sourcePath), cancellationToken);

        var submitted = await mediator.Send(
            new SubmitExperimentCommand(
                $"quickstart {DateTimeOffset.Now:yyyy-MM-dd HH:mm}", dataset.Id, HyperparameterPresets.Quickstart,
                epochs is { } n ? new JsonObject { ["epochs"] = n } : null),
            cancellationToken);
        Console.WriteLine($"Submitted run {submitted.RunId} (hyperparameters sha256 {submitted.HyperparametersSha256[..12]}), {submitted.Hyperparameters.Epochs} epochs.");

        var status = (RunStatus?)null;
        int printedEpochs = 0;
        while (true)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
            var run = (await mediator.Send(new GetRunQuery(submitted.RunId), cancellationToken))!;
            if (run.Run.Status != status)
            {
                status = run.Run.Status;
                Console.WriteLine($"[{DateTime.Now:HH:mm:ss}] {status}");
            }

            var metrics = await mediator.Send(new GetRunMetricsQuery(submitted.RunId), cancellationToken) ?? [];
            foreach (var m in metrics.Skip(printedEpochs))
            {
                Console.WriteLine(
                    $"  epoch {m.Epoch,3}  lr {m.LearningRate:G3}  train loss {m.TrainLoss:F3}  train top-1 err {m.TrainTop1Error:P1}  " +
                    $"val top-1 err {m.ValidationTop1Error:P1}  val top-5 err {m.ValidationTop5Error:P1}  {m.ImagesPerSecond:F0} img/s");
            }

            printedEpochs = metrics.Count;
            if (run.Run.Status is RunStatus.Failed or RunStatus.Diverged)
            {
                Console.Error.WriteLine($"Run {run.Run.Status.ToString().ToLowerInvariant()}: {run.Run.Error}");
                return 1;
            }

            if (run.Run.Status == RunStatus.Succeeded && run.Evaluation is { } evaluation)
            {
                int classes = run.Record?.ClassCount ?? 0;
                Console.WriteLine(
                    $"Evaluation ({evaluation.Crops}, {evaluation.ImageCount} validation images, {classes} classes, chance top-1 error {(classes > 0 ? 1 - 1.0 / classes : 0):P1}):");
                Console.WriteLine($"  top-1 error {evaluation.Top1Error:P2}   top-5 error {evaluation.Top5Error:P2}");
                Console.WriteLine($"Results: {storage.ResultsDatabasePath} (run {submitted.RunId})");
                return 0;
            }
        }
    }
}
