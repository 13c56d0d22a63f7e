using AlexNet.Experiments.Application.Experiments.ListExperiments;
using AlexNet.Experiments.Application.Runs.GetRun;
using AlexNet.Experiments.Application.Runs.GetRunMetrics;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Training;
using AlexNet.Experiments.Infrastructure.Storage;
using Mediator;

namespace AlexNet.Experiments.Host.Cli;

/// <summary>
/// One run followed to its end by a verb that hosts the API in-process (quickstart, train; see <see cref="InProcessHost"/>).
/// A run stopped by Ctrl-C or SIGTERM stays saved; the next start of the same verb in the same data
/// folder continues it instead of submitting another.
/// </summary>
internal static class InProcessRun
{
    /// <param name="verb">The verb, as the stop message names it.</param>
    /// <param name="experimentPrefix">Names the verb's experiments, so an unfinished run of the verb can be found again.</param>
    /// <param name="submit">Submits a new run (after any set-up it needs) and returns its id.</param>
    public static Task<int> RunAsync(
        string[] configuration, string verb, string experimentPrefix, Func<IMediator, StorageOptions, CancellationToken, Task<Guid>> submit, CancellationToken cancellationToken)
    {
        Guid? runId = null;
        return InProcessHost.RunAsync(
            configuration,
            async (services, mediator) =>
            {
                var storage = services.GetRequiredService<StorageOptions>();
                Console.WriteLine($"Data folder: {storage.DataDirectory}");
                runId = await FindUnfinishedRunAsync(mediator, experimentPrefix, cancellationToken) ?? await submit(mediator, storage, cancellationToken);
                return await RunOutput.ShowAsync(output => FollowAsync(mediator, storage, runId.Value, output, cancellationToken));
            },
            () => Console.WriteLine(runId is { } id
                ? $"Stopped. Run {id} is saved; the next {verb} in this data folder continues it."
                : "Stopped before a run was submitted."),
            cancellationToken);
    }

    private static async Task<Guid?> FindUnfinishedRunAsync(IMediator mediator, string experimentPrefix, CancellationToken cancellationToken)
    {
        var experiments = await mediator.Send(new ListExperimentsQuery(), cancellationToken);
        foreach (var summary in experiments.Where(e => e.Experiment.Name.StartsWith(experimentPrefix, StringComparison.Ordinal)))
        {
            var details = await mediator.Send(new GetRunQuery(summary.LatestRunId), cancellationToken);
            if (details is not null && !details.Run.Status.IsFinal())
            {
                Console.WriteLine($"Continuing run {details.Run.Id} of '{summary.Experiment.Name}' ({details.Run.EpochsCompleted} of {details.Hyperparameters.Epochs} epochs done), " +
                    "stopped before it finished; options apply to new runs.");
                return details.Run.Id;
            }
        }

        return null;
    }

    private static async Task<int> FollowAsync(IMediator mediator, StorageOptions storage, Guid runId, RunOutput output, CancellationToken cancellationToken)
    {
        var status = (RunStatus?)null;
        int printedEpochs = 0;
        while (true)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
            var run = (await mediator.Send(new GetRunQuery(runId), cancellationToken))!;
            // Read after the run: metrics are stored before the run moves on, so every epoch line comes before the
            // status it led to ("Evaluating" after the last epoch).
            var metrics = await mediator.Send(new GetRunMetricsQuery(runId), cancellationToken) ?? [];
            foreach (var m in metrics.Skip(printedEpochs))
            {
                output.Line(EpochLine(m));
            }

            printedEpochs = metrics.Count;
            if (run.Run.Status != status)
            {
                status = run.Run.Status;
                output.Line($"[{DateTime.Now:HH:mm:ss}] {status}");
            }

            output.Progress(run.Run.Status is RunStatus.Preprocessing or RunStatus.Training ? run.Run.Progress : null);
            if (!run.Run.Status.IsFinal())
            {
                continue;
            }

            if (run.Run.Status == RunStatus.Succeeded && run.Evaluation is { } evaluation)
            {
                int classes = run.Record?.ClassCount ?? 0;
                output.Line(
                    $"Evaluation ({evaluation.Crops}, {evaluation.ImageCount} validation images, {classes} classes, chance top-1 error {(classes > 0 ? 1 - 1.0 / classes : 0):P1}):");
                output.Line($"  top-1 error {evaluation.Top1Error:P2}   top-5 error {evaluation.Top5Error:P2}   (top-1 accuracy {1 - evaluation.Top1Error:P2})");
                output.Line($"  wall time from submission {run.Run.UpdatedAt - run.Run.CreatedAt:hh\\:mm\\:ss}");
                var where = storage.Backend == StorageBackend.Sqlite
                    ? storage.ResultsDatabasePath
                    : $"PostgreSQL database {new Npgsql.NpgsqlConnectionStringBuilder(storage.ResultsConnectionString).Database}";
                output.Line($"Results: {where} (run {runId})");
                return 0;
            }

            await Console.Error.WriteLineAsync($"Run {runId} {status}: {run.Run.Error}");
            return 1;
        }
    }

    private static string EpochLine(EpochMetrics m) =>
        $"  epoch {m.Epoch,3}  lr {m.LearningRate:G3}  train loss {m.TrainLoss:F3}  train top-1 err {m.TrainTop1Error:P1}  " +
        $"val top-1 err {m.ValidationTop1Error:P1}  val top-5 err {m.ValidationTop5Error:P1}  {m.ImagesPerSecond:F0} img/s";
}
