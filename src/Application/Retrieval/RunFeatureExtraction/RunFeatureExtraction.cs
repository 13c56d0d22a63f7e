using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Retrieval;
using AlexNet.Experiments.Domain.Storage;
using Mediator;
using Microsoft.Extensions.Logging;

namespace AlexNet.Experiments.Application.Retrieval.RunFeatureExtraction;

/// <summary>The job behind POST features: writes the split's fc7 matrix, labels and image indices and registers them as run artifacts.</summary>
public sealed record RunFeatureExtractionCommand(Guid RunId, DatasetSplit Split) : ICommand;

public sealed partial class RunFeatureExtractionHandler(
    TrainedRuns trainedRuns, IArtifactIndex artifactIndex, IFeatureExtractor extractor, IArtifactStore artifacts, FeatureExtractionBoard board, ILogger<RunFeatureExtractionHandler> logger)
    : ICommandHandler<RunFeatureExtractionCommand>
{
    public async ValueTask<Unit> Handle(RunFeatureExtractionCommand command, CancellationToken cancellationToken)
    {
        try
        {
            var run = await trainedRuns.ResolveAsync(command.RunId, cancellationToken);
            if (RetrievalRuns.Features(run.Artifacts, command.Split) is not null)
            {
                return Unit.Value; // a job handed out twice, or a second POST that raced the first
            }

            var set = await extractor.ExtractAsync(run.Checkpoint, run.Dataset, command.Split, artifacts.GetRunDirectory(run.Run.Id), cancellationToken);
            // The features last: their artifact is what marks the split as done.
            foreach (var (kind, path) in new[]
            {
                (Splits.LabelsKind(command.Split), set.Files.Labels),
                (Splits.IndicesKind(command.Split), set.Files.Indices),
                (Splits.FeaturesKind(command.Split), set.Files.Features),
            })
            {
                await artifactIndex.AddArtifactAsync(await artifacts.DescribeAsync(run.Run.Id, kind, path, cancellationToken) with { Epoch = run.Checkpoint.Epoch }, cancellationToken);
            }

            LogExtracted(run.Run.Id, Splits.Name(command.Split), set.Count, set.Dimension);
            return Unit.Value;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogFailed(e, command.RunId, Splits.Name(command.Split));
            board.Failed(command.RunId, command.Split, FailureReason.From(e));
            throw;
        }
    }

    [LoggerMessage(LogLevel.Information, "Extracted fc7 features of run {RunId}, split {Split}: {Count} x {Dimension}")]
    private partial void LogExtracted(Guid runId, string split, int count, int dimension);

    [LoggerMessage(LogLevel.Error, "Feature extraction of run {RunId}, split {Split} failed")]
    private partial void LogFailed(Exception exception, Guid runId, string split);
}
