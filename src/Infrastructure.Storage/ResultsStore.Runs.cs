using System.Linq.Expressions;
using AlexNet.Experiments.Domain.Storage;
using AlexNet.Experiments.Domain.Training;
using Microsoft.EntityFrameworkCore;

namespace AlexNet.Experiments.Infrastructure.Storage;

// Run search, annotations, progress and deletion: everything the results API asks of runs beyond their steps.
public sealed partial class ResultsStore
{
    public Task<RunSearchPage> SearchRunsAsync(RunSearch search, CancellationToken cancellationToken) =>
        ReadAsync(async db =>
        {
            var query = Filter(db, search);
            int total = await query.CountAsync(cancellationToken);
            var rows = await Order(db, query, search).Skip(search.Offset).Take(search.Limit).ToListAsync(cancellationToken);

            var ids = rows.Select(r => r.Run.Id).ToList();
            var lastEpochs = await db.EpochMetrics
                .Where(m => ids.Contains(m.RunId) && m.Epoch == db.EpochMetrics.Where(n => n.RunId == m.RunId).Max(n => n.Epoch))
                .ToDictionaryAsync(m => m.RunId, cancellationToken);
            var evaluations = await db.EvaluationResults.Where(e => ids.Contains(e.RunId))
                .Select(e => new { e.RunId, e.Loss, e.Top1Error, e.Top5Error })
                .ToDictionaryAsync(e => e.RunId, cancellationToken);
            var tags = (await db.RunTags.Where(t => ids.Contains(t.RunId)).OrderBy(t => t.Tag).ToListAsync(cancellationToken))
                .ToLookup(t => t.RunId, t => t.Tag);

            var summaries = rows.Select(row =>
            {
                var last = lastEpochs.GetValueOrDefault(row.Run.Id);
                var evaluation = evaluations.GetValueOrDefault(row.Run.Id);
                var metrics = new FinalMetrics(
                    last?.Epoch, last?.TrainLoss, last?.TrainTop1Error, last?.TrainTop5Error, last?.ValidationLoss, last?.ValidationTop1Error,
                    last?.ValidationTop5Error, last?.LearningRate, last?.ImagesPerSecond, evaluation?.Loss, evaluation?.Top1Error, evaluation?.Top5Error);
                return new RunSummary(
                    row.Run.ToDomain(), row.ExperimentName, row.DatasetId, tags[row.Run.Id].ToList(), row.Run.Note, metrics,
                    row.Run.LastProgress is { } progress ? StorageJson.Deserialize<RunProgressFigures>(progress) : null);
            }).ToList();
            return new RunSearchPage(summaries, total);
        }, cancellationToken);

    public async Task<bool> AnnotateRunAsync(Guid runId, IReadOnlyList<string>? tags, string? note, CancellationToken cancellationToken)
    {
        bool found = false;
        await WriteAsync(async db =>
        {
            found = await db.Runs.Where(r => r.Id == runId)
                .ExecuteUpdateAsync(set => set.SetProperty(r => r.Note, r => note ?? r.Note), cancellationToken) == 1;
            if (found && tags is not null)
            {
                await db.RunTags.Where(t => t.RunId == runId).ExecuteDeleteAsync(cancellationToken);
                db.RunTags.AddRange(tags.Distinct(StringComparer.Ordinal).Select(tag => new RunTagRow { RunId = runId, Tag = tag }));
            }
        }, cancellationToken);
        return found;
    }

    public async Task SaveRunProgressAsync(Guid runId, RunProgressFigures progress, CancellationToken cancellationToken)
    {
        var json = StorageJson.Serialize(progress);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        await db.Runs.Where(r => r.Id == runId).ExecuteUpdateAsync(set => set.SetProperty(r => r.LastProgress, json), cancellationToken);
    }

    public Task<RunProgressFigures?> GetRunProgressAsync(Guid runId, CancellationToken cancellationToken) =>
        ReadAsync(async db =>
            await db.Runs.Where(r => r.Id == runId).Select(r => r.LastProgress).FirstOrDefaultAsync(cancellationToken) is { } json
                ? StorageJson.Deserialize<RunProgressFigures>(json)
                : null, cancellationToken);

    public Task DeleteRunAsync(Guid runId, CancellationToken cancellationToken) =>
        WriteAsync(async db =>
        {
            await db.RunTags.Where(t => t.RunId == runId).ExecuteDeleteAsync(cancellationToken);
            await db.Artifacts.Where(a => a.RunId == runId).ExecuteDeleteAsync(cancellationToken);
            await db.EvaluationResults.Where(e => e.RunId == runId).ExecuteDeleteAsync(cancellationToken);
            await db.EpochMetrics.Where(m => m.RunId == runId).ExecuteDeleteAsync(cancellationToken);
            await db.StepMetrics.Where(s => s.RunId == runId).ExecuteDeleteAsync(cancellationToken);
            await db.HyperparameterRecords.Where(h => h.RunId == runId).ExecuteDeleteAsync(cancellationToken);
            await db.PreprocessingRuns.Where(w => w.RunId == runId).ExecuteDeleteAsync(cancellationToken);
            await db.Runs.Where(r => r.Id == runId).ExecuteDeleteAsync(cancellationToken);
        }, cancellationToken);

    public Task DeleteExperimentAsync(Guid experimentId, CancellationToken cancellationToken) =>
        WriteAsync(db => db.Experiments.Where(e => e.Id == experimentId).ExecuteDeleteAsync(cancellationToken), cancellationToken);

    /// <summary>A run with its experiment's name and dataset, the shape every search condition reads.</summary>
    private sealed class RunInExperiment
    {
        public required RunRow Run { get; init; }
        public required string ExperimentName { get; init; }
        public required Guid DatasetId { get; init; }
    }

    private static IQueryable<RunInExperiment> Filter(ResultsDbContext db, RunSearch search)
    {
        var query = db.Runs.Join(db.Experiments, r => r.ExperimentId, e => e.Id, (r, e) => new RunInExperiment { Run = r, ExperimentName = e.Name, DatasetId = e.DatasetId });
        if (search.RunIds.Count > 0)
        {
            var ids = search.RunIds.ToList();
            query = query.Where(x => ids.Contains(x.Run.Id));
        }

        if (search.Statuses.Count > 0)
        {
            var statuses = search.Statuses.Select(RunRow.StatusName).ToList();
            query = query.Where(x => statuses.Contains(x.Run.Status));
        }

        if (search.ExperimentId is { } experimentId)
        {
            query = query.Where(x => x.Run.ExperimentId == experimentId);
        }

        if (search.DatasetId is { } datasetId)
        {
            query = query.Where(x => x.DatasetId == datasetId);
        }

        foreach (var condition in search.Hyperparameters)
        {
            var path = condition.JsonPath;
            if (condition.Text is { } text)
            {
                query = query.Where(Compare<string?>(x => StoredJson.Text(x.Run.HyperparametersJson, path), condition.Comparison, () => text));
            }
            else
            {
                var number = condition.Number;
                query = query.Where(Compare<double?>(x => StoredJson.Number(x.Run.HyperparametersJson, path), condition.Comparison, () => number));
            }
        }

        foreach (var condition in search.Metrics)
        {
            var value = (double?)condition.Value;
            query = query.Where(Compare(Metric(db, condition.Field), condition.Comparison, () => value));
        }

        foreach (var tag in search.Tags)
        {
            query = query.Where(x => db.RunTags.Any(t => t.RunId == x.Run.Id && t.Tag == tag));
        }

        if (!string.IsNullOrWhiteSpace(search.Text))
        {
            var pattern = "%" + search.Text.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%";
            // SQLite's LIKE ignores ASCII case; PostgreSQL's does not, ILIKE does.
            query = db.Database.IsNpgsql()
                ? query.Where(x => EF.Functions.ILike(x.Run.Note!, pattern, "\\") || EF.Functions.ILike(x.ExperimentName, pattern, "\\"))
                : query.Where(x => EF.Functions.Like(x.Run.Note, pattern, "\\") || EF.Functions.Like(x.ExperimentName, pattern, "\\"));
        }

        return query;
    }

    private static IQueryable<RunInExperiment> Order(ResultsDbContext db, IQueryable<RunInExperiment> query, RunSearch search)
    {
        IOrderedQueryable<RunInExperiment> ordered = search.OrderBy switch
        {
            RunField.CreatedAt => search.Descending ? query.OrderByDescending(x => x.Run.CreatedAt) : query.OrderBy(x => x.Run.CreatedAt),
            RunField.UpdatedAt => search.Descending ? query.OrderByDescending(x => x.Run.UpdatedAt) : query.OrderBy(x => x.Run.UpdatedAt),
            RunField.EpochsCompleted => search.Descending ? query.OrderByDescending(x => x.Run.EpochsCompleted) : query.OrderBy(x => x.Run.EpochsCompleted),
            var field => OrderByMetric(query, Metric(db, field), search.Descending),
        };
        return ordered.ThenByDescending(x => x.Run.CreatedAt).ThenBy(x => x.Run.Id);
    }

    private static IOrderedQueryable<RunInExperiment> OrderByMetric(
        IQueryable<RunInExperiment> query, Expression<Func<RunInExperiment, double?>> metric, bool descending)
    {
        // Runs without the figure go last either way (SQLite puts NULL first when ascending).
        var missing = Expression.Lambda<Func<RunInExperiment, bool>>(Expression.Equal(metric.Body, Expression.Constant(null, typeof(double?))), metric.Parameters);
        var ordered = query.OrderBy(missing);
        return descending ? ordered.ThenByDescending(metric) : ordered.ThenBy(metric);
    }

    /// <summary>A final figure as a correlated scalar subquery: the last epoch's, or the evaluation's.</summary>
    private static Expression<Func<RunInExperiment, double?>> Metric(ResultsDbContext db, RunField field) => field switch
    {
        RunField.TrainLoss => x => db.EpochMetrics.Where(m => m.RunId == x.Run.Id).OrderByDescending(m => m.Epoch).Select(m => m.TrainLoss).FirstOrDefault(),
        RunField.TrainTop1Error => x => db.EpochMetrics.Where(m => m.RunId == x.Run.Id).OrderByDescending(m => m.Epoch).Select(m => m.TrainTop1Error).FirstOrDefault(),
        RunField.TrainTop5Error => x => db.EpochMetrics.Where(m => m.RunId == x.Run.Id).OrderByDescending(m => m.Epoch).Select(m => m.TrainTop5Error).FirstOrDefault(),
        RunField.ValidationLoss => x => db.EpochMetrics.Where(m => m.RunId == x.Run.Id).OrderByDescending(m => m.Epoch).Select(m => m.ValidationLoss).FirstOrDefault(),
        RunField.ValidationTop1Error => x => db.EpochMetrics.Where(m => m.RunId == x.Run.Id).OrderByDescending(m => m.Epoch).Select(m => m.ValidationTop1Error).FirstOrDefault(),
        RunField.ValidationTop5Error => x => db.EpochMetrics.Where(m => m.RunId == x.Run.Id).OrderByDescending(m => m.Epoch).Select(m => m.ValidationTop5Error).FirstOrDefault(),
        RunField.LearningRate => x => db.EpochMetrics.Where(m => m.RunId == x.Run.Id).OrderByDescending(m => m.Epoch).Select(m => m.LearningRate).FirstOrDefault(),
        RunField.ImagesPerSecond => x => db.EpochMetrics.Where(m => m.RunId == x.Run.Id).OrderByDescending(m => m.Epoch).Select(m => m.ImagesPerSecond).FirstOrDefault(),
        RunField.EvaluationLoss => x => db.EvaluationResults.Where(e => e.RunId == x.Run.Id).Select(e => e.Loss).FirstOrDefault(),
        RunField.EvaluationTop1Error => x => db.EvaluationResults.Where(e => e.RunId == x.Run.Id).Select(e => e.Top1Error).FirstOrDefault(),
        RunField.EvaluationTop5Error => x => db.EvaluationResults.Where(e => e.RunId == x.Run.Id).Select(e => e.Top5Error).FirstOrDefault(),
        _ => throw new ArgumentOutOfRangeException(nameof(field), field, "Not a metric."),
    };

    /// <summary>Text values compare only for (in)equality.</summary>
    private static Expression<Func<RunInExperiment, bool>> Compare<T>(
        Expression<Func<RunInExperiment, T>> left, Comparison comparison, Expression<Func<T>> right)
    {
        var value = right.Body; // a captured variable, so EF sends it as a parameter
        Expression body = comparison switch
        {
            Comparison.Equal => Expression.Equal(left.Body, value),
            Comparison.NotEqual => Expression.NotEqual(left.Body, value),
            Comparison.Less => Expression.LessThan(left.Body, value),
            Comparison.LessOrEqual => Expression.LessThanOrEqual(left.Body, value),
            Comparison.Greater => Expression.GreaterThan(left.Body, value),
            Comparison.GreaterOrEqual => Expression.GreaterThanOrEqual(left.Body, value),
            _ => throw new ArgumentOutOfRangeException(nameof(comparison), comparison, null),
        };
        // A missing value matches nothing, not even "!=".
        var present = Expression.NotEqual(left.Body, Expression.Constant(null, typeof(T)));
        return Expression.Lambda<Func<RunInExperiment, bool>>(Expression.AndAlso(present, body), left.Parameters);
    }
}
