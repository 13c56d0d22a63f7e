using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Storage;
using AlexNet.Experiments.Domain.Training;
using FluentValidation;
using Mediator;

namespace AlexNet.Experiments.Application.Runs.SearchRuns;

/// <summary>
/// Runs matching every given condition, a page at a time. <see cref="Filter"/> holds <see cref="RunFilter"/> conditions;
/// <see cref="OrderBy"/> is createdAt, updatedAt, epochsCompleted or a metric name; <see cref="Direction"/> asc or desc
/// (default: desc for times, asc for metrics).
/// </summary>
public sealed record SearchRunsQuery : IQuery<RunList>
{
    public IReadOnlyList<string> Status { get; init; } = [];
    public Guid? ExperimentId { get; init; }
    public Guid? DatasetId { get; init; }
    public IReadOnlyList<string> Filter { get; init; } = [];
    public IReadOnlyList<string> Tag { get; init; } = [];
    public string? Q { get; init; }
    public string? OrderBy { get; init; }
    public string? Direction { get; init; }
    public int Page { get; init; } = 1;
    public int Limit { get; init; } = 50;
}

/// <summary>A run as a reader sees it in a list: where it stands and its final figures.</summary>
public sealed record RunListItem(
    Guid Id,
    Guid ExperimentId,
    string ExperimentName,
    Guid DatasetId,
    RunStatus Status,
    int EpochsCompleted,
    int Epochs,
    string? Error,
    Divergence? Divergence,
    IReadOnlyList<string> Tags,
    string? Note,
    Guid? SourceRunId,
    FinalMetrics Metrics,
    RunProgressFigures? Progress,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public static RunListItem From(RunSummary summary)
    {
        var run = summary.Run;
        return new RunListItem(
            run.Id, run.ExperimentId, summary.ExperimentName, summary.DatasetId, run.Status, run.EpochsCompleted,
            run.Hyperparameters.Epochs, run.Error, run.Divergence, summary.Tags, summary.Note, run.SourceRunId,
            summary.Metrics, summary.LastProgress, run.CreatedAt, run.UpdatedAt);
    }
}

public sealed record RunList(IReadOnlyList<RunListItem> Runs, int Total, int Page, int Limit);

public sealed class SearchRunsValidator : AbstractValidator<SearchRunsQuery>
{
    public const int MaxLimit = 500;

    /// <summary>
    /// The most runs a search may skip: far more than any store here holds, and small enough that (page - 1) × limit never
    /// wraps around an int (page 2147483647 at limit 500 once became a negative offset, and the store answered with every run).
    /// </summary>
    public const long MaxOffset = 10_000_000;

    /// <summary>
    /// Tags or filters a search may give, each: every one is a condition of its own in the query, and 300 of them took the store
    /// over a second to plan and run (issue 25, found by the generated requests).
    /// </summary>
    public const int MaxConditions = 20;

    public SearchRunsValidator()
    {
        RuleForEach(q => q.Status)
            .Must(s => Enum.TryParse<RunStatus>(s, ignoreCase: true, out var status) && Enum.IsDefined(status) && !int.TryParse(s, out _))
            .WithMessage((_, s) => $"'{s}' is not a run status ({string.Join(", ", Enum.GetNames<RunStatus>())}).");
        RuleFor(q => q.Filter).Must(f => f.Count <= MaxConditions).WithMessage($"At most {MaxConditions} filters.");
        RuleFor(q => q.Tag).Must(t => t.Count <= MaxConditions).WithMessage($"At most {MaxConditions} tags.");
        RuleForEach(q => q.Filter).Custom((filter, context) =>
        {
            if (RunFilter.Parse(filter).Error is { } error)
            {
                context.AddFailure(error);
            }
        }).When(q => q.Filter.Count <= MaxConditions);
        RuleForEach(q => q.Tag).NotEmpty().When(q => q.Tag.Count <= MaxConditions);
        RuleFor(q => q.OrderBy)
            .Must(o => o is null || RunFilter.ParseField(o) is not null)
            .WithMessage(q => $"'{q.OrderBy}' is not createdAt, updatedAt, epochsCompleted or a metric.");
        RuleFor(q => q.Direction)
            .Must(d => d is null || d.Equals("asc", StringComparison.OrdinalIgnoreCase) || d.Equals("desc", StringComparison.OrdinalIgnoreCase))
            .WithMessage("Direction is asc or desc.");
        RuleFor(q => q.Page).GreaterThanOrEqualTo(1);
        RuleFor(q => q.Page)
            .Must((q, page) => Offset(page, q.Limit) <= MaxOffset)
            .When(q => q.Page >= 1 && q.Limit is >= 1 and <= MaxLimit)
            .WithMessage(q => $"Page {q.Page} of {q.Limit} runs starts beyond run 10,000,000; no search reaches that far.");
        RuleFor(q => q.Limit).InclusiveBetween(1, MaxLimit);
    }

    /// <summary>Runs before the page, in 64 bits so that no page number wraps around.</summary>
    public static long Offset(int page, int limit) => ((long)page - 1) * limit;
}

public sealed class SearchRunsHandler(IRunStore runStore) : IQueryHandler<SearchRunsQuery, RunList>
{
    public async ValueTask<RunList> Handle(SearchRunsQuery query, CancellationToken cancellationToken)
    {
        var filters = query.Filter.Select(f => RunFilter.Parse(f).Filter!).ToList();
        var orderBy = query.OrderBy is { } name ? RunFilter.ParseField(name)!.Value : RunField.CreatedAt;
        bool byTime = orderBy is RunField.CreatedAt or RunField.UpdatedAt;
        var search = new RunSearch
        {
            Statuses = query.Status.Select(s => Enum.Parse<RunStatus>(s, ignoreCase: true)).ToList(),
            ExperimentId = query.ExperimentId,
            DatasetId = query.DatasetId,
            Hyperparameters = filters.Where(f => f.Hyperparameter is not null).Select(f => f.Hyperparameter!).ToList(),
            Metrics = filters.Where(f => f.Metric is not null).Select(f => f.Metric!).ToList(),
            Tags = query.Tag,
            Text = query.Q,
            OrderBy = orderBy,
            Descending = query.Direction is { } direction ? direction.Equals("desc", StringComparison.OrdinalIgnoreCase) : byTime,
            Offset = checked((int)SearchRunsValidator.Offset(query.Page, query.Limit)),
            Limit = query.Limit,
        };

        var page = await runStore.SearchRunsAsync(search, cancellationToken);
        return new RunList(page.Runs.Select(r => RunListItem.From(r)).ToList(), page.Total, query.Page, query.Limit);
    }
}
