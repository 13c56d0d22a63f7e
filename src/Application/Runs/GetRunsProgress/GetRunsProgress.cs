using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Storage;
using AlexNet.Experiments.Domain.Training;
using FluentValidation;
using Mediator;

namespace AlexNet.Experiments.Application.Runs.GetRunsProgress;

/// <summary>
/// Where each of a few runs stands, for a page that polls: status, epochs and the last progress figures, in one read of the
/// store. Ids as the client wrote them; unknown runs are left out.
/// </summary>
public sealed record GetRunsProgressQuery(IReadOnlyList<string> Ids) : IQuery<IReadOnlyList<RunProgressView>>;

/// <param name="Finished">True once the run can change no more: a page stops polling it.</param>
public sealed record RunProgressView(Guid Id, RunStatus Status, bool Finished, int EpochsCompleted, int Epochs, RunProgressFigures? Progress);

public sealed class GetRunsProgressValidator : AbstractValidator<GetRunsProgressQuery>
{
    /// <summary>A page of the runs list.</summary>
    public const int MaxRuns = 50;

    public GetRunsProgressValidator()
    {
        RuleFor(q => q.Ids).Must(ids => ids.Count is >= 1 and <= MaxRuns).WithMessage($"Give between 1 and {MaxRuns} run ids, separated by commas.");
        RuleForEach(q => q.Ids).Must(id => Guid.TryParse(id, out _)).WithMessage((_, id) => $"'{id}' is not a run id.");
    }
}

public sealed class GetRunsProgressHandler(IRunStore runStore) : IQueryHandler<GetRunsProgressQuery, IReadOnlyList<RunProgressView>>
{
    public async ValueTask<IReadOnlyList<RunProgressView>> Handle(GetRunsProgressQuery query, CancellationToken cancellationToken)
    {
        var ids = query.Ids.Select(Guid.Parse).Distinct().ToList();
        var page = await runStore.SearchRunsAsync(new RunSearch { RunIds = ids, Limit = ids.Count }, cancellationToken);
        return page.Runs
            .Select(r => new RunProgressView(
                r.Run.Id, r.Run.Status, r.Run.Status.IsFinal(), r.Run.EpochsCompleted, r.Run.Hyperparameters.Epochs, r.LastProgress))
            .ToList();
    }
}
