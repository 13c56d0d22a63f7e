using AlexNet.Experiments.Tests.Shared;
using AlexNet.Experiments.Domain.Experiments;

namespace AlexNet.Experiments.Infrastructure.Storage.Tests;

public abstract class ConcurrencyTests : StorageTest
{
    public sealed class Sqlite : ConcurrencyTests
    {
        protected override StorageBackend Backend => StorageBackend.Sqlite;
    }

    public sealed class PostgreSql : ConcurrencyTests
    {
        protected override StorageBackend Backend => StorageBackend.PostgreSql;
    }

    [Fact]
    public async Task Concurrent_writers_and_readers_all_succeed()
    {
        const int Workers = 4, Epochs = 25;
        var seeded = await Samples.SeedAsync(Store);
        var runs = new List<Run> { seeded.Run };
        for (int i = 1; i < Workers; i++)
        {
            var run = Samples.Run(seeded.Experiment.Id, Samples.T0.AddMinutes(i));
            await using var db = Storage.CreateContext();
            db.Runs.Add(RunRow.From(run));
            await db.SaveChangesAsync();
            runs.Add(run);
        }

        // Like Hangfire workers: each trains its own run, recording every epoch and updating the run, while a request polls.
        using var stop = new CancellationTokenSource();
        var writers = runs.Select(run => Task.Run(async () =>
        {
            var current = run;
            for (int epoch = 1; epoch <= Epochs; epoch++)
            {
                await Store.AddEpochMetricsAsync(Samples.Metrics(run.Id, epoch), Ct);
                var next = current.With(status: RunStatus.Training, epochsCompleted: epoch, updatedAt: Samples.T0.AddHours(epoch));
                (await Store.TryAdvanceRunAsync(current, next, Ct)).ShouldBeTrue();
                current = next;
                await Store.SetRunJobAsync(run.Id, $"job-{epoch}", Ct);
            }
        })).ToList();
        var reader = Task.Run(async () =>
        {
            int reads = 0;
            while (!stop.IsCancellationRequested)
            {
                await Store.ListExperimentsAsync(Ct);
                await Store.ListUnfinishedRunsAsync(Ct);
                await Store.GetEpochMetricsAsync(seeded.Run.Id, Ct);
                reads++;
            }

            return reads;
        });

        await Task.WhenAll(writers);
        await stop.CancelAsync();
        (await reader).ShouldBeGreaterThan(0);

        foreach (var run in runs)
        {
            (await Store.GetEpochMetricsAsync(run.Id, Ct)).Select(m => m.Epoch).ShouldBe(Enumerable.Range(1, Epochs));
            var stored = await Store.GetRunAsync(run.Id, Ct);
            stored.ShouldNotBeNull();
            stored.EpochsCompleted.ShouldBe(Epochs);
            stored.CurrentJobId.ShouldBe($"job-{Epochs}");
        }
    }
}
