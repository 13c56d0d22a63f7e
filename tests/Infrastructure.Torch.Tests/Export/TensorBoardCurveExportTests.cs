using AlexNet.Experiments.Domain.Training;
using AlexNet.Experiments.Infrastructure.Storage;
using AlexNet.Experiments.Infrastructure.Torch.Export;
using AlexNet.Experiments.Tests.Shared;

namespace AlexNet.Experiments.Infrastructure.Torch.Tests.Export;

/// <summary>The event files as TensorBoard would read them, decoded by an independent reader (tests/Shared/read_tfevents.py).</summary>
public sealed class TensorBoardCurveExportTests : IDisposable
{
    private readonly TempDirectory root = new();
    private readonly FileArtifactStore artifacts;
    private readonly TensorBoardCurveExport export;
    private readonly Guid runId = Guid.NewGuid();

    public TensorBoardCurveExportTests()
    {
        artifacts = new FileArtifactStore(root.Path);
        export = new TensorBoardCurveExport(artifacts);
    }

    public void Dispose() => root.Dispose();

    private string Folder => Path.Combine(artifacts.GetRunDirectory(runId), "tensorboard");

    /// <summary>Two epochs of 1,000 images in batches of 128, a point every 2 batches: values no float holds exactly.</summary>
    private IReadOnlyList<StepMetrics> Points() =>
    [
        .. from epoch in new[] { 1, 2 }
           from batch in new[] { 2, 4, 6, 8 }
           select new StepMetrics(
               runId, epoch, batch, ((epoch - 1) * 1000) + Math.Min(batch * 128, 1000), TrainLoss: 2.3 / (epoch + (batch / 3.0)),
               TrainTop1Error: 1 - (batch / 7.0 / epoch), TrainTop5Error: 0.5 / (batch + epoch), WallSeconds: (epoch * 61.7) + (batch / 3.0)),
    ];

    [Fact]
    public async Task Each_export_adds_a_file_of_the_points_past_the_last_one_written_and_the_reader_finds_each_point_once_as_stored()
    {
        var points = Points();

        await export.ExportAsync(runId, [.. points.Take(3)], CancellationToken.None); // a paused epoch
        await export.ExportAsync(runId, points, CancellationToken.None); // the rest, with the first three again
        await export.ExportAsync(runId, points, CancellationToken.None); // nothing new: no file

        var files = await TensorBoardEvents.ReadAsync(Folder);
        files.Select(f => f.Name).ShouldBe(["events.out.tfevents.000000000000768.alexnet", "events.out.tfevents.000000000002000.alexnet"]);
        files.ShouldAllBe(f => f.FileVersion == "brain.Event:2");
        files.Select(f => f.Scalars.Count).ShouldBe([3 * 3, 5 * 3]);
        files.SelectMany(f => f.Scalars).ShouldBe(points.SelectMany(p => new[]
        {
            new TensorBoardScalar("train/loss", p.ImagesSeen, (float)p.TrainLoss, Math.Round(p.WallSeconds)),
            new TensorBoardScalar("train/top1_error", p.ImagesSeen, (float)p.TrainTop1Error, Math.Round(p.WallSeconds)),
            new TensorBoardScalar("train/top5_error", p.ImagesSeen, (float)p.TrainTop5Error, Math.Round(p.WallSeconds)),
        }));
        Directory.EnumerateDirectories(artifacts.GetRunDirectory(runId)).ShouldBe([Folder], "no unfinished file is left behind");
    }

    [Fact]
    public async Task The_event_files_live_in_the_runs_folder_and_go_with_it()
    {
        await export.ExportAsync(runId, Points(), CancellationToken.None);
        Directory.EnumerateFiles(Folder).ShouldHaveSingleItem();

        artifacts.DeleteRunFiles(runId);

        Directory.Exists(Folder).ShouldBeFalse();
    }
}
