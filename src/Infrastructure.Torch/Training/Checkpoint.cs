using System.Text.Json;
using TorchSharp;
using AlexNet.Experiments.Domain.Training;
using AlexNet.Experiments.Infrastructure.Torch.Model;

namespace AlexNet.Experiments.Infrastructure.Torch.Training;

/// <summary>
/// Model weights and optimiser velocities of one finished epoch, plus its step points and its metrics. Each file is written to a
/// temporary name of its own, flushed and renamed, so a crash leaves either a whole epoch or none; an unreadable metrics file
/// counts as none.
/// </summary>
public static class Checkpoint
{
    // A validation loss can overflow while the training loss is still finite; the metrics file must still be writable.
    private static readonly JsonSerializerOptions MetricsJson = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public static string PathFor(string directory, int epoch) => Path.Combine(directory, CheckpointNames.ForEpoch(epoch));

    /// <summary>Where an epoch interrupted by its time budget keeps its state until it is finished.</summary>
    public static string PartialPathFor(string directory, int epoch) => Path.Combine(directory, $"epoch-{epoch:D3}.partial.ckpt");

    /// <summary>
    /// Everything a split epoch needs to continue exactly as if it had not stopped, including the session's dropout generator and
    /// the step points taken so far.
    /// </summary>
    public static void SavePartial(string path, TrainingSession session, EpochTotals totals, StepCurve steps, double seconds) =>
        WriteAtomically(path, stream =>
        {
            using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
            writer.Write(totals.LossSum);
            writer.Write(totals.Top1Correct);
            writer.Write(totals.Top5Correct);
            writer.Write(totals.Images);
            writer.Write(seconds);
            using (var generator = session.DropoutGenerator.get_state())
            {
                generator.Save(writer);
            }

            session.Model.save(writer);
            session.Optimizer.Save(writer);
            steps.Save(writer);
        });

    /// <summary>
    /// Restores a split epoch into <paramref name="session"/>'s model, optimiser and dropout generator and its points into
    /// <paramref name="steps"/>; null if there is none.
    /// </summary>
    public static (EpochTotals Totals, double Seconds)? TryLoadPartial(string path, TrainingSession session, StepCurve steps)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        using var reader = new BinaryReader(File.OpenRead(path));
        var totals = new EpochTotals(reader.ReadDouble(), reader.ReadInt64(), reader.ReadInt64(), reader.ReadInt64());
        double seconds = reader.ReadDouble();
        using (var generator = TorchSharp.TensorExtensionMethods.Load(reader))
        {
            session.DropoutGenerator.set_state(generator);
        }

        session.Model.load(reader);
        session.Optimizer.Load(reader);
        steps.Load(reader, totals);
        return (totals, seconds);
    }

    public static void Save(string path, AlexNetModel model, SgdOptimizer optimizer) =>
        WriteAtomically(path, stream =>
        {
            using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
            model.save(writer);
            optimizer.Save(writer);
        });

    /// <summary>Written before the metrics, so a finished epoch has them.</summary>
    public static void SaveSteps(string path, IReadOnlyList<StepMetrics> points) =>
        WriteAtomically(StepsPathFor(path), stream => JsonSerializer.Serialize(stream, points, MetricsJson));

    /// <summary>The step points of a finished epoch; none for an epoch finished before they were taken.</summary>
    public static IReadOnlyList<StepMetrics> ReadSteps(string path) =>
        File.Exists(StepsPathFor(path)) ? JsonSerializer.Deserialize<List<StepMetrics>>(File.ReadAllText(StepsPathFor(path)), MetricsJson) ?? [] : [];

    /// <summary>Written after the checkpoint and its step points: its presence marks the epoch finished.</summary>
    public static void SaveMetrics(string path, EpochMetrics metrics) =>
        WriteAtomically(MetricsPathFor(path), stream => JsonSerializer.Serialize(stream, metrics, MetricsJson));

    /// <summary>The metrics of an epoch whose checkpoint and metrics were both written completely, else null.</summary>
    public static EpochMetrics? TryReadFinished(string path)
    {
        var metricsPath = MetricsPathFor(path);
        if (!File.Exists(path) || !File.Exists(metricsPath))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<EpochMetrics>(File.ReadAllText(metricsPath), MetricsJson);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static void Load(string path, AlexNetModel model, SgdOptimizer? optimizer)
    {
        using var reader = new BinaryReader(File.OpenRead(path));
        model.load(reader);
        optimizer?.Load(reader);
    }

    private static string MetricsPathFor(string checkpointPath) => Path.ChangeExtension(checkpointPath, ".metrics.json");

    private static string StepsPathFor(string checkpointPath) => Path.ChangeExtension(checkpointPath, ".steps.json");

    private static void WriteAtomically(string path, Action<Stream> write)
    {
        var temp = $"{path}.{Guid.NewGuid():N}.tmp"; // unique per writer: two executions of one step must not share a half-written file
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write))
        {
            write(stream);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }
}
