using System.Text.Json;
using AlexNet.Experiments.Domain.Training;
using AlexNet.Experiments.Infrastructure.Torch.Model;

namespace AlexNet.Experiments.Infrastructure.Torch.Training;

/// <summary>
/// Model weights and optimiser velocities of one finished epoch, plus its metrics. Both files are written to a temporary
/// name, flushed and renamed, so a crash leaves either a whole epoch or none; an unreadable metrics file counts as none.
/// </summary>
public static class Checkpoint
{
    public static string PathFor(string directory, int epoch) => Path.Combine(directory, $"epoch-{epoch:D3}.ckpt");

    public static void Save(string path, AlexNetModel model, SgdOptimizer optimizer) =>
        WriteAtomically(path, stream =>
        {
            using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
            model.save(writer);
            optimizer.Save(writer);
        });

    /// <summary>Written after the checkpoint: its presence marks the epoch finished.</summary>
    public static void SaveMetrics(string path, EpochMetrics metrics) =>
        WriteAtomically(MetricsPathFor(path), stream => JsonSerializer.Serialize(stream, metrics));

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
            return JsonSerializer.Deserialize<EpochMetrics>(File.ReadAllText(metricsPath));
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

    private static void WriteAtomically(string path, Action<Stream> write)
    {
        var temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write))
        {
            write(stream);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }
}
