using AlexNet.Experiments.Domain.Jobs;
using AlexNet.Experiments.Domain.Retrieval;
using AlexNet.Experiments.Domain.Storage;
using FluentValidation;
using Mediator;

namespace AlexNet.Experiments.Application.Retrieval.ExtractFeatures;

/// <summary>
/// Queues extraction of a split's fc7 vectors for a succeeded run. Idempotent: a split already extracted, or being extracted,
/// is answered with its status and nothing is queued.
/// </summary>
public sealed record ExtractFeaturesCommand(Guid RunId, string? Split) : ICommand<FeatureStatus>;

public sealed class ExtractFeaturesValidator : AbstractValidator<ExtractFeaturesCommand>
{
    public ExtractFeaturesValidator() =>
        RuleFor(c => c.Split).Must(s => Splits.TryParse(s, out _)).WithMessage("'split' must be train or val.");
}

public sealed class ExtractFeaturesHandler(
    TrainedRuns trainedRuns, INeighbourIndex index, IFeatureExtractionScheduler extractions, IJobScheduler scheduler, FeatureExtractionBoard board)
    : ICommandHandler<ExtractFeaturesCommand, FeatureStatus>
{
    public async ValueTask<FeatureStatus> Handle(ExtractFeaturesCommand command, CancellationToken cancellationToken)
    {
        Splits.TryParse(command.Split, out var split);
        var run = await trainedRuns.ResolveAsync(command.RunId, cancellationToken);
        if (await FeatureStatus.ReadAsync(run, split, index, board, scheduler, cancellationToken) is { State: not FeatureStatus.Failed } status)
        {
            return status;
        }

        board.Queued(run.Run.Id, split, extractions.Enqueue(run.Run.Id, split));
        return new FeatureStatus(run.Run.Id, Splits.Name(split), FeatureStatus.Pending, null, null, run.Checkpoint.Epoch, null, [],
            Splits.FeaturesUrl(run.Run.Id, split));
    }
}
