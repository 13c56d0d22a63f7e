using AlexNet.Experiments.Domain.Datasets;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace AlexNet.Experiments.Infrastructure.Storage;

/// <summary>
/// The results database on SQLite (the default). <see cref="PostgresResultsDbContext"/> is the same model on PostgreSQL with its
/// own migrations. Its rows are internal; <see cref="ResultsStore"/> maps them to the Domain.
/// </summary>
public class ResultsDbContext : DbContext
{
    public ResultsDbContext(DbContextOptions<ResultsDbContext> options)
        : base(options)
    {
    }

    protected ResultsDbContext(DbContextOptions options)
        : base(options)
    {
    }

    internal DbSet<DatasetRow> Datasets => Set<DatasetRow>();
    internal DbSet<DatasetVersionRow> DatasetVersions => Set<DatasetVersionRow>();
    internal DbSet<ExperimentRow> Experiments => Set<ExperimentRow>();
    internal DbSet<RunRow> Runs => Set<RunRow>();
    internal DbSet<RunTagRow> RunTags => Set<RunTagRow>();
    internal DbSet<HyperparameterRecordRow> HyperparameterRecords => Set<HyperparameterRecordRow>();
    internal DbSet<EpochMetricsRow> EpochMetrics => Set<EpochMetricsRow>();
    internal DbSet<StepMetricsRow> StepMetrics => Set<StepMetricsRow>();
    internal DbSet<EvaluationResultRow> EvaluationResults => Set<EvaluationResultRow>();
    internal DbSet<ArtifactRow> Artifacts => Set<ArtifactRow>();
    internal DbSet<StudyRow> Studies => Set<StudyRow>();
    internal DbSet<StudyRunRow> StudyRuns => Set<StudyRunRow>();
    internal DbSet<PreprocessShardRow> PreprocessShards => Set<PreprocessShardRow>();
    internal DbSet<PreprocessingRunRow> PreprocessingRuns => Set<PreprocessingRunRow>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // SQLite has no DateTimeOffset type and EF cannot ORDER BY one; UTC Unix milliseconds sort and compare as integers.
        // PostgreSQL keeps the same columns, so the compare-and-set on UpdatedAt compares the same millisecond value on both.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<UnixMillisecondsConverter>();

        // Ids are stored as the API prints them, so `WHERE Id = '<id from a response>'` finds the row in sqlite3 too.
        configurationBuilder.Properties<Guid>().HaveConversion<LowercaseGuidConverter>();
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<DatasetRow>(dataset =>
        {
            dataset.ToTable("Datasets");
            dataset.HasKey(d => d.Id);
            dataset.HasIndex(d => d.CreatedAt);
            dataset.Property(d => d.Format).HasConversion<string>();
            dataset.HasIndex(d => new { d.SourcePath, d.Format });
        });

        modelBuilder.Entity<DatasetVersionRow>(version =>
        {
            version.ToTable("DatasetVersions");
            version.HasKey(v => v.ContentHash);
            version.Property(v => v.ClassNamesJson).HasColumnName("ClassNames");
            version.Property(v => v.ColourPcaEigenvaluesJson).HasColumnName("ColourPcaEigenvalues");
            version.Property(v => v.ColourPcaEigenvectorsJson).HasColumnName("ColourPcaEigenvectors");
            version.Property(v => v.SkippedFilesJson).HasColumnName("SkippedFiles");
            Restrict(version.HasOne<DatasetRow>().WithMany().HasForeignKey(v => v.DatasetId));
        });

        modelBuilder.Entity<ExperimentRow>(experiment =>
        {
            experiment.ToTable("Experiments");
            experiment.HasKey(e => e.Id);
            experiment.HasIndex(e => e.CreatedAt);
            Restrict(experiment.HasOne<DatasetRow>().WithMany().HasForeignKey(e => e.DatasetId));
        });

        modelBuilder.Entity<RunRow>(run =>
        {
            run.ToTable("Runs");
            run.HasKey(r => r.Id);
            run.HasIndex(r => r.Status);
            run.HasIndex(r => new { r.ExperimentId, r.CreatedAt });
            Restrict(run.HasOne<ExperimentRow>().WithMany().HasForeignKey(r => r.ExperimentId));
            Restrict(run.HasOne<DatasetVersionRow>().WithMany().HasForeignKey(r => r.DatasetVersionHash));
        });

        modelBuilder.Entity<RunTagRow>(tag =>
        {
            tag.ToTable("RunTags");
            tag.HasKey(t => new { t.RunId, t.Tag });
            tag.HasIndex(t => t.Tag);
            Restrict(tag.HasOne<RunRow>().WithMany().HasForeignKey(t => t.RunId));
        });

        MapJsonFunctions(modelBuilder);

        modelBuilder.Entity<HyperparameterRecordRow>(record =>
        {
            record.ToTable("HyperparameterRecords");
            record.HasKey(h => h.RunId); // one record per run
            Restrict(record.HasOne<RunRow>().WithOne().HasForeignKey<HyperparameterRecordRow>(h => h.RunId));
            Restrict(record.HasOne<DatasetVersionRow>().WithMany().HasForeignKey(h => h.DatasetVersionHash));
        });

        modelBuilder.Entity<EpochMetricsRow>(metrics =>
        {
            metrics.ToTable("EpochMetrics");
            metrics.HasKey(m => new { m.RunId, m.Epoch }); // unique (run, epoch)
            Restrict(metrics.HasOne<RunRow>().WithMany().HasForeignKey(m => m.RunId));
        });

        modelBuilder.Entity<StepMetricsRow>(step =>
        {
            step.ToTable("StepMetrics");
            step.HasKey(s => new { s.RunId, s.Epoch, s.Batch }); // unique (run, epoch, batch)
            Restrict(step.HasOne<RunRow>().WithMany().HasForeignKey(s => s.RunId));
        });

        modelBuilder.Entity<EvaluationResultRow>(evaluation =>
        {
            evaluation.ToTable("EvaluationResults");
            evaluation.HasKey(e => e.RunId); // one evaluation per run
            evaluation.Property(e => e.PerClassAccuracyJson).HasColumnName("PerClassAccuracy");
            evaluation.Property(e => e.ConfusionMatrixJson).HasColumnName("ConfusionMatrix");
            Restrict(evaluation.HasOne<RunRow>().WithOne().HasForeignKey<EvaluationResultRow>(e => e.RunId));
        });

        modelBuilder.Entity<ArtifactRow>(artifact =>
        {
            artifact.ToTable("Artifacts");
            artifact.HasKey(a => new { a.RunId, a.Path }); // unique (run, path)
            Restrict(artifact.HasOne<RunRow>().WithMany().HasForeignKey(a => a.RunId));
        });

        // Neither table references Datasets, Experiments or Runs: deleting those must keep working, and the study keeps its
        // definition as history.
        modelBuilder.Entity<StudyRow>(study =>
        {
            study.ToTable("Studies");
            study.HasKey(s => s.Id);
            study.HasIndex(s => s.CreatedAt);
        });

        modelBuilder.Entity<StudyRunRow>(link =>
        {
            link.ToTable("StudyRuns");
            link.HasKey(l => new { l.StudyId, l.RunId });
            link.HasIndex(l => l.RunId);
            Restrict(link.HasOne<StudyRow>().WithMany().HasForeignKey(l => l.StudyId));
        });

        // Keyed by content hash, not by run: two runs on one version share its shards. No foreign keys: the version row is
        // added only by the merge, and a run's deletion removes its waiting row itself.
        modelBuilder.Entity<PreprocessShardRow>(shard =>
        {
            shard.ToTable("PreprocessShards");
            shard.HasKey(s => new { s.ContentHash, s.Index });
        });

        modelBuilder.Entity<PreprocessingRunRow>(waiting =>
        {
            waiting.ToTable("PreprocessingRuns");
            waiting.HasKey(w => w.RunId);
            waiting.HasIndex(w => w.ContentHash);
        });
    }

    /// <summary>SQLite's json_extract over the canonical hyperparameter JSON, so searches filter in SQL.</summary>
    protected virtual void MapJsonFunctions(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDbFunction(typeof(StoredJson).GetMethod(nameof(StoredJson.Number))!).HasName("json_extract").IsBuiltIn();
        modelBuilder.HasDbFunction(typeof(StoredJson).GetMethod(nameof(StoredJson.Text))!).HasName("json_extract").IsBuiltIn();
    }

    // Results are history: deleting a parent with children must fail rather than cascade or orphan.
    private static void Restrict(ReferenceCollectionBuilder relationship) => relationship.OnDelete(DeleteBehavior.Restrict);

    private static void Restrict(ReferenceReferenceBuilder relationship) => relationship.OnDelete(DeleteBehavior.Restrict);

    internal sealed class LowercaseGuidConverter() : ValueConverter<Guid, string>(
        value => value.ToString("D"),
        value => Guid.Parse(value));

    internal sealed class UnixMillisecondsConverter() : ValueConverter<DateTimeOffset, long>(
        value => value.ToUnixTimeMilliseconds(),
        value => DateTimeOffset.FromUnixTimeMilliseconds(value));
}

/// <summary>
/// A value at a JSON path ("$.model.lrn.enabled") of a stored JSON text, typed for the comparisons a search makes: a number (true
/// and false read as 1 and 0) or a string; null when missing. Only for use inside queries.
/// </summary>
internal static class StoredJson
{
    public static double? Number(string json, string path) => throw new InvalidOperationException("Only translatable to SQL.");

    public static string? Text(string json, string path) => throw new InvalidOperationException("Only translatable to SQL.");
}
