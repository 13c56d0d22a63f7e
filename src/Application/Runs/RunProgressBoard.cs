using System.Collections.Concurrent;
using AlexNet.Experiments.Domain.Training;

namespace AlexNet.Experiments.Application.Runs;

/// <summary>What a running step reports: images done of the total in this phase (and epoch), and the running training loss.</summary>
public sealed record ProgressSample(string Phase, int Epoch, int Epochs, int Done, int Total, int BatchSize, double? RunningLoss);

/// <summary>
/// Live progress of the steps running in this process, which their <see cref="Steps.RunControl"/> writes to the store. Rates count only the images done since the phase (or epoch) started
/// here, so a step resuming a half-done epoch does not claim the earlier job's images. The store keeps the last figures.
/// </summary>
public sealed class RunProgressBoard(TimeProvider clock)
{
    public const string Preprocessing = "preprocessing", Training = "training";

    private sealed record Entry(string Phase, int Epoch, DateTimeOffset StartedAt, int DoneAtStart, RunProgressFigures Figures);

    private readonly ConcurrentDictionary<Guid, Entry> entries = new();

    public RunProgressFigures Report(Guid runId, ProgressSample sample)
    {
        var now = clock.GetUtcNow();
        return entries.AddOrUpdate(
            runId,
            _ => Start(sample, now),
            (_, previous) => previous.Phase == sample.Phase && previous.Epoch == sample.Epoch && sample.Done >= previous.Figures.ImagesDone
                ? previous with { Figures = Measure(sample, now, previous.StartedAt, previous.DoneAtStart) }
                : Start(sample, now)).Figures;
    }

    public RunProgressFigures? Get(Guid runId) => entries.GetValueOrDefault(runId)?.Figures;

    public void Remove(Guid runId) => entries.TryRemove(runId, out _);

    private static Entry Start(ProgressSample sample, DateTimeOffset now) =>
        new(sample.Phase, sample.Epoch, now, sample.Done, Measure(sample, now, now, sample.Done));

    private static RunProgressFigures Measure(ProgressSample sample, DateTimeOffset now, DateTimeOffset startedAt, int doneAtStart)
    {
        double seconds = (now - startedAt).TotalSeconds;
        double rate = seconds > 0 ? (sample.Done - doneAtStart) / seconds : 0;
        double? stepLeft = rate > 0 ? (sample.Total - sample.Done) / rate : null;
        double? runLeft = sample.Phase == Training && stepLeft is { } left ? left + (sample.Epochs - sample.Epoch) * sample.Total / rate : null;
        return new RunProgressFigures(
            sample.Phase, sample.Epoch, sample.Epochs, Batches(sample.Done, sample.BatchSize), Batches(sample.Total, sample.BatchSize),
            sample.Done, sample.Total, sample.RunningLoss, rate, stepLeft, runLeft, now);
    }

    private static int Batches(int images, int batchSize) => batchSize > 0 ? (images + batchSize - 1) / batchSize : 0;
}
