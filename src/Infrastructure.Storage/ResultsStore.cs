using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Storage;
using AlexNet.Experiments.Domain.Training;
using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace AlexNet.Experiments.Infrastructure.Storage;

/// <summary>
/// The store ports (datasets, preprocessing, experiments, runs, progress, metrics, artifacts, studies) on EF Core, SQLite or PostgreSQL. Each call uses its own context, so one instance serves concurrent workers and requests.
/// Lists: datasets and experiments newest first; runs, unfinished runs and artifacts oldest first; epoch metrics by epoch, step points by epoch and batch.
/// </summary>
public sealed partial class ResultsStore(IDbContextFactory<ResultsDbContext> contextFactory, ArtifactPaths paths)
    : IDatasetStore, IPreprocessingCoordination, IExperimentStore, IRunStore, IRunProgressStore, IRunMetricsStore, IArtifactIndex
{
    public Task AddDatasetAsync(Dataset dataset, CancellationToken cancellationToken) =>
        WriteAsync(db => db.Datasets.Add(DatasetRow.From(dataset)), cancellationToken);

    public Task<Dataset?> GetDatasetAsync(Guid datasetId, CancellationToken cancellationToken) =>
        ReadAsync(async db => (await db.Datasets.FirstOrDefaultAsync(d => d.Id == datasetId, cancellationToken))?.ToDomain(), cancellationToken);

    public Task<IReadOnlyList<Dataset>> ListDatasetsAsync(CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<Dataset>>(async db =>
            (await db.Datasets.OrderByDescending(d => d.CreatedAt).ThenBy(d => d.Name).ToListAsync(cancellationToken))
            .Select(d => d.ToDomain()).ToList(), cancellationToken);

    public Task<Dataset?> FindDatasetAsync(string sourcePath, DatasetFormat format, CancellationToken cancellationToken) =>
        ReadAsync(async db => (await db.Datasets
            .Where(d => d.SourcePath == sourcePath && d.Format == format)
            .OrderBy(d => d.CreatedAt).ThenBy(d => d.Id)
            .FirstOrDefaultAsync(cancellationToken))?.ToDomain(), cancellationToken);

    public Task<IReadOnlyList<DatasetVersion>> ListDatasetVersionsAsync(Guid datasetId, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<DatasetVersion>>(async db =>
            (await db.DatasetVersions.Where(v => v.DatasetId == datasetId).OrderByDescending(v => v.CreatedAt).ThenBy(v => v.ContentHash).ToListAsync(cancellationToken))
            .Select(v => v.ToDomain(paths)).ToList(), cancellationToken);

    public Task<DatasetVersion?> GetDatasetVersionAsync(string contentHash, CancellationToken cancellationToken) =>
        ReadAsync(async db => await db.DatasetVersions.FirstOrDefaultAsync(v => v.ContentHash == contentHash, cancellationToken) is { } row ? row.ToDomain(paths) : null, cancellationToken);

    public Task AddDatasetVersionAsync(DatasetVersion version, CancellationToken cancellationToken) =>
        AddOnceAsync(db => db.DatasetVersions, v => v.ContentHash == version.ContentHash, () => DatasetVersionRow.From(version, paths), cancellationToken);

    public Task AddExperimentAsync(Experiment experiment, Run run, CancellationToken cancellationToken)
    {
        if (run.ExperimentId != experiment.Id)
        {
            throw new ArgumentException($"Run {run.Id} belongs to experiment {run.ExperimentId}, not {experiment.Id}.", nameof(run));
        }

        return WriteAsync(db =>
        {
            db.Experiments.Add(ExperimentRow.From(experiment));
            db.Runs.Add(RunRow.From(run));
        }, cancellationToken);
    }

    public Task AddRunAsync(Run run, CancellationToken cancellationToken) =>
        WriteAsync(db => db.Runs.Add(RunRow.From(run)), cancellationToken);

    public Task<IReadOnlyList<ExperimentSummary>> ListExperimentsAsync(CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<ExperimentSummary>>(async db =>
        {
            var rows = await db.Experiments
                .OrderByDescending(e => e.CreatedAt).ThenByDescending(e => e.Id)
                .Select(e => new
                {
                    Experiment = e,
                    LatestRun = db.Runs
                        .Where(r => r.ExperimentId == e.Id)
                        .OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.UpdatedAt).ThenByDescending(r => r.Id)
                        .Select(r => new { r.Id, r.Status })
                        .FirstOrDefault(),
                })
                .ToListAsync(cancellationToken);

            // AddExperimentAsync always adds a first run, so an experiment without one cannot come from this store.
            return rows
                .Where(row => row.LatestRun is not null)
                .Select(row => new ExperimentSummary(row.Experiment.ToDomain(), row.LatestRun!.Id, RunRow.ParseStatus(row.LatestRun.Status)))
                .ToList();
        }, cancellationToken);

    public Task<Experiment?> GetExperimentAsync(Guid experimentId, CancellationToken cancellationToken) =>
        ReadAsync(async db => (await db.Experiments.FirstOrDefaultAsync(e => e.Id == experimentId, cancellationToken))?.ToDomain(), cancellationToken);

    public Task<Run?> GetRunAsync(Guid runId, CancellationToken cancellationToken) =>
        ReadAsync(async db => (await db.Runs.FirstOrDefaultAsync(r => r.Id == runId, cancellationToken))?.ToDomain(), cancellationToken);

    public Task<IReadOnlyList<Run>> ListRunsAsync(Guid experimentId, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<Run>>(async db =>
            (await db.Runs.Where(r => r.ExperimentId == experimentId).OrderBy(r => r.CreatedAt).ThenBy(r => r.Id).ToListAsync(cancellationToken))
            .Select(r => r.ToDomain()).ToList(), cancellationToken);

    public Task<IReadOnlyList<Run>> ListUnfinishedRunsAsync(CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<Run>>(async db =>
            (await db.Runs.Where(r => !RunRow.FinishedStatuses.Contains(r.Status)).OrderBy(r => r.CreatedAt).ThenBy(r => r.Id).ToListAsync(cancellationToken))
            .Select(r => r.ToDomain()).ToList(), cancellationToken);

    public async Task<bool> TryAdvanceRunAsync(Run expected, Run updated, CancellationToken cancellationToken)
    {
        if (expected.Id != updated.Id)
        {
            throw new ArgumentException("Expected and updated run must be the same run.", nameof(updated));
        }

        // One UPDATE statement, so the compare and the set cannot be separated by another writer, in this process or another.
        var row = RunRow.From(updated);
        var expectedRow = RunRow.From(expected);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        return await db.Runs
            .Where(r => r.Id == row.Id && r.Status == expectedRow.Status && r.EpochsCompleted == expectedRow.EpochsCompleted && r.UpdatedAt == expectedRow.UpdatedAt)
            .ExecuteUpdateAsync(set => set
                .SetProperty(r => r.Status, row.Status)
                .SetProperty(r => r.DatasetVersionHash, row.DatasetVersionHash)
                .SetProperty(r => r.EpochsCompleted, row.EpochsCompleted)
                .SetProperty(r => r.Error, row.Error)
                .SetProperty(r => r.DivergedEpoch, row.DivergedEpoch)
                .SetProperty(r => r.DivergedBatch, row.DivergedBatch)
                .SetProperty(r => r.UpdatedAt, row.UpdatedAt),
                cancellationToken) == 1;
    }

    /// <summary>Sets only the job id and update time, in one statement, so it cannot undo a concurrent update of the run's other fields.</summary>
    public async Task SetRunJobAsync(Guid runId, string jobId, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        int updated = await db.Runs
            .Where(r => r.Id == runId)
            .ExecuteUpdateAsync(set => set.SetProperty(r => r.CurrentJobId, jobId), cancellationToken);
        if (updated == 0)
        {
            throw new InvalidOperationException($"Run {runId} does not exist.");
        }
    }

    /// <remarks>
    /// "Identical" compares everything but <see cref="HyperparameterRecord.CreatedAt"/>: a retried job rebuilds the same record at a
    /// later time, and that must not fail. The first record, with its time, is kept.
    /// </remarks>
    public Task SaveHyperparameterRecordAsync(HyperparameterRecord record, CancellationToken cancellationToken) =>
        WriteAsync(async db =>
        {
            var stored = await db.HyperparameterRecords.FirstOrDefaultAsync(h => h.RunId == record.RunId, cancellationToken);
            if (stored is null)
            {
                db.HyperparameterRecords.Add(HyperparameterRecordRow.From(record));
            }
            else if (stored.ToDomain() with { CreatedAt = default } != record with { CreatedAt = default })
            {
                throw new InvalidOperationException(
                    $"Run {record.RunId} already has a different hyperparameter record (SHA-256 {stored.Sha256}, dataset {stored.DatasetVersionHash}, " +
                    $"device {stored.Device}); it is immutable.");
            }
        }, cancellationToken);

    public Task<HyperparameterRecord?> GetHyperparameterRecordAsync(Guid runId, CancellationToken cancellationToken) =>
        ReadAsync(async db => (await db.HyperparameterRecords.FirstOrDefaultAsync(h => h.RunId == runId, cancellationToken))?.ToDomain(), cancellationToken);

    public Task AddEpochMetricsAsync(EpochMetrics metrics, CancellationToken cancellationToken) =>
        AddOnceAsync(db => db.EpochMetrics, m => m.RunId == metrics.RunId && m.Epoch == metrics.Epoch, () => EpochMetricsRow.From(metrics), cancellationToken);

    public Task<IReadOnlyList<EpochMetrics>> GetEpochMetricsAsync(Guid runId, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<EpochMetrics>>(async db =>
            (await db.EpochMetrics.Where(m => m.RunId == runId).OrderBy(m => m.Epoch).ToListAsync(cancellationToken))
            .Select(m => m.ToDomain()).ToList(), cancellationToken);

    /// <remarks>One existence query for the epochs the points span, then the inserts of the new ones, in one transaction.</remarks>
    public Task AddStepMetricsAsync(IReadOnlyList<StepMetrics> points, CancellationToken cancellationToken) =>
        points.Count == 0 ? Task.CompletedTask : WriteAsync(async db =>
        {
            var runIds = points.Select(p => p.RunId).Distinct().ToList();
            var epochs = points.Select(p => p.Epoch).Distinct().ToList();
            var stored = (await db.StepMetrics
                    .Where(s => runIds.Contains(s.RunId) && epochs.Contains(s.Epoch))
                    .Select(s => new { s.RunId, s.Epoch, s.Batch })
                    .ToListAsync(cancellationToken))
                .Select(s => (s.RunId, s.Epoch, s.Batch))
                .ToHashSet();
            db.StepMetrics.AddRange(points
                .DistinctBy(p => (p.RunId, p.Epoch, p.Batch))
                .Where(p => !stored.Contains((p.RunId, p.Epoch, p.Batch)))
                .Select(StepMetricsRow.From));
        }, cancellationToken);

    public Task<IReadOnlyList<StepMetrics>> GetStepMetricsAsync(Guid runId, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<StepMetrics>>(async db =>
            (await db.StepMetrics.Where(s => s.RunId == runId).OrderBy(s => s.Epoch).ThenBy(s => s.Batch).ToListAsync(cancellationToken))
            .Select(s => s.ToDomain()).ToList(), cancellationToken);

    public Task SaveEvaluationAsync(EvaluationResult result, CancellationToken cancellationToken) =>
        AddOnceAsync(db => db.EvaluationResults, e => e.RunId == result.RunId, () => EvaluationResultRow.From(result), cancellationToken);

    public Task<EvaluationResult?> GetEvaluationAsync(Guid runId, CancellationToken cancellationToken) =>
        ReadAsync(async db => (await db.EvaluationResults.FirstOrDefaultAsync(e => e.RunId == runId, cancellationToken))?.ToDomain(), cancellationToken);

    public async Task RemoveArtifactAsync(Guid runId, string path, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var stored = paths.ToStored(path);
        await db.Artifacts.Where(a => a.RunId == runId && a.Path == stored).ExecuteDeleteAsync(cancellationToken);
    }

    public Task AddArtifactAsync(Artifact artifact, CancellationToken cancellationToken)
    {
        var row = ArtifactRow.From(artifact, paths);
        return AddOnceAsync(db => db.Artifacts, a => a.RunId == row.RunId && a.Path == row.Path, () => row, cancellationToken);
    }

    public Task<IReadOnlyList<Artifact>> ListArtifactsAsync(Guid runId, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<Artifact>>(async db =>
            (await db.Artifacts.Where(a => a.RunId == runId).OrderBy(a => a.CreatedAt).ThenBy(a => a.Path).ToListAsync(cancellationToken))
            .Select(a => a.ToDomain(paths)).ToList(), cancellationToken);

    private async Task<T> ReadAsync<T>(Func<ResultsDbContext, Task<T>> query, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        return await query(db);
    }

    /// <summary>The idempotent add: inserts the row unless one matching <paramref name="existing"/> is already stored.</summary>
    private Task AddOnceAsync<TRow>(
        Func<ResultsDbContext, DbSet<TRow>> table, Expression<Func<TRow, bool>> existing, Func<TRow> row, CancellationToken cancellationToken)
        where TRow : class =>
        WriteAsync(async db =>
        {
            if (!await table(db).AnyAsync(existing, cancellationToken))
            {
                table(db).Add(row());
            }
        }, cancellationToken);

    private Task WriteAsync(Action<ResultsDbContext> change, CancellationToken cancellationToken) =>
        WriteAsync(db =>
        {
            change(db);
            return Task.CompletedTask;
        }, cancellationToken);

    /// <remarks>
    /// Microsoft.Data.Sqlite begins with BEGIN IMMEDIATE: the write lock is held from the existence check to the insert, so two
    /// concurrent idempotent adds cannot both insert, and a reader never has to upgrade its lock. PostgreSQL's transactions
    /// (read committed) do not serialise writers that way: the second of two racing inserts of one key fails on the key, and
    /// the change is then made again from the start in a fresh transaction, where its existence check sees the first one.
    /// </remarks>
    private async Task WriteAsync(Func<ResultsDbContext, Task> change, CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
                await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
                await change(db);
                await db.SaveChangesAsync(cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                return;
            }
            catch (Exception e) when (attempt < MaxWriteAttempts && IsLostRace(e))
            {
            }
        }
    }

    private const int MaxWriteAttempts = 5;

    // Unique violation, serialization failure, deadlock: another writer got there first.
    private static bool IsLostRace(Exception e) =>
        (e as PostgresException ?? e.InnerException as PostgresException)?.SqlState is PostgresErrorCodes.UniqueViolation
            or PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected;
}
