using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Retrieval;
using AlexNet.Experiments.Domain.Storage;
using AlexNet.Experiments.Domain.Studies;
using AlexNet.Experiments.Infrastructure.Storage.Datasets;
using AlexNet.Experiments.Infrastructure.Storage.Datasets.Sources;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AlexNet.Experiments.Infrastructure.Storage;

public static class StorageRegistration
{
    /// <summary>The default storage: the SQLite results store at {dataDirectory}/results.db, artifacts under <paramref name="dataDirectory"/>.</summary>
    public static IServiceCollection AddSqliteStorage(this IServiceCollection services, string dataDirectory) =>
        services.AddStorage(new StorageOptions(dataDirectory));

    /// <summary>
    /// Registers the results store on the configured backend, the file artifact store rooted at the artifact folder, a pooled
    /// <see cref="IDbContextFactory{ResultsDbContext}"/> and <see cref="StorageOptions"/>.
    /// Call <see cref="MigrateResultsStoreAsync"/> once at start-up before using the store.
    /// </summary>
    public static IServiceCollection AddStorage(this IServiceCollection services, StorageOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton(new ArtifactPaths(options.ArtifactDirectory));
        if (options.Backend == StorageBackend.PostgreSql)
        {
            services.AddPooledDbContextFactory<PostgresResultsDbContext>(builder => ConfigurePostgreSql(builder, options.ResultsConnectionString));
            services.AddSingleton<IDbContextFactory<ResultsDbContext>>(provider =>
                new BaseContextFactory<PostgresResultsDbContext>(provider.GetRequiredService<IDbContextFactory<PostgresResultsDbContext>>()));
        }
        else
        {
            services.AddPooledDbContextFactory<ResultsDbContext>(builder => Configure(builder, options.ResultsConnectionString));
        }

        services.AddSingleton<ResultsStore>();
        // One store implements every port; each handler asks only for the ports it uses.
        services.AddSingleton<IDatasetStore>(provider => provider.GetRequiredService<ResultsStore>());
        services.AddSingleton<IPreprocessingCoordination>(provider => provider.GetRequiredService<ResultsStore>());
        services.AddSingleton<IExperimentStore>(provider => provider.GetRequiredService<ResultsStore>());
        services.AddSingleton<IRunStore>(provider => provider.GetRequiredService<ResultsStore>());
        services.AddSingleton<IRunProgressStore>(provider => provider.GetRequiredService<ResultsStore>());
        services.AddSingleton<IRunMetricsStore>(provider => provider.GetRequiredService<ResultsStore>());
        services.AddSingleton<IArtifactIndex>(provider => provider.GetRequiredService<ResultsStore>());
        services.AddSingleton<IStudyStore>(provider => provider.GetRequiredService<ResultsStore>());
        services.AddSingleton<IArtifactStore>(_ => new FileArtifactStore(options.ArtifactDirectory));
        return services;
    }

    /// <summary>
    /// Registers the dataset formats (IDX, CIFAR, ILSVRC, image folders), their decoding and preprocessing into the stored
    /// form, the synthetic dataset generator, and the PNG views of a stored image and of a source's samples. <see cref="IDatasetSources"/> needs a
    /// <see cref="DatasetSourceOptions"/> registered by the host.
    /// </summary>
    /// <param name="imagesPerShard">Records per preprocessing shard job (see <see cref="DatasetPreprocessor.ImagesPerShard"/>).</param>
    public static IServiceCollection AddDatasetFormats(this IServiceCollection services, int imagesPerShard = DatasetPreprocessor.DefaultImagesPerShard)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(imagesPerShard);
        services.AddSingleton<IDatasetSources, DatasetSources>();
        services.AddSingleton<IDatasetPreprocessor>(provider => new DatasetPreprocessor(provider.GetService<TimeProvider>()) { ImagesPerShard = imagesPerShard });
        services.AddSingleton<ISyntheticDatasetGenerator, SyntheticDatasetGenerator>();
        services.AddSingleton<IStoredImages, StoredImages>();
        services.AddSingleton<IDatasetSamples>(provider => new DatasetSamples(provider.GetService<TimeProvider>() ?? TimeProvider.System));
        return services;
    }

    /// <summary>Creates the data folder if missing and applies pending migrations to the results database.</summary>
    /// <remarks>EF holds a migration lock meanwhile (a lock table on SQLite, an advisory lock on PostgreSQL), so hosts may start together.</remarks>
    public static async Task MigrateResultsStoreAsync(this IServiceProvider services, CancellationToken cancellationToken)
    {
        var options = services.GetRequiredService<StorageOptions>();
        Directory.CreateDirectory(options.DataDirectory);
        var factory = services.GetRequiredService<IDbContextFactory<ResultsDbContext>>();
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        await db.Database.MigrateAsync(cancellationToken);
        await MakeArtifactPathsRelativeAsync(db, services.GetRequiredService<ArtifactPaths>(), cancellationToken);
    }

    /// <summary>Rows written before paths were stored relative hold absolute ones; those under the artifact directory become relative.</summary>
    private static async Task MakeArtifactPathsRelativeAsync(ResultsDbContext db, ArtifactPaths paths, CancellationToken cancellationToken)
    {
        var prefix = Path.TrimEndingDirectorySeparator(paths.Root) + Path.DirectorySeparatorChar;
        await db.Artifacts.Where(a => a.Path.StartsWith(prefix))
            .ExecuteUpdateAsync(set => set.SetProperty(a => a.Path, a => a.Path.Substring(prefix.Length)), cancellationToken);
        await db.DatasetVersions.Where(v => v.StorePath.StartsWith(prefix))
            .ExecuteUpdateAsync(set => set.SetProperty(v => v.StorePath, v => v.StorePath.Substring(prefix.Length)), cancellationToken);
    }

    internal static void Configure(DbContextOptionsBuilder builder, string connectionString) =>
        builder.UseSqlite(connectionString)
            .AddInterceptors(SqlitePragmaInterceptor.Instance)
            .UseQueryTrackingBehavior(QueryTrackingBehavior.NoTracking);

    internal static void ConfigurePostgreSql(DbContextOptionsBuilder builder, string connectionString) =>
        builder.UseNpgsql(connectionString)
            .UseQueryTrackingBehavior(QueryTrackingBehavior.NoTracking);

    /// <summary>Hands out the PostgreSQL context where the store asks for the base type.</summary>
    private sealed class BaseContextFactory<TContext>(IDbContextFactory<TContext> inner) : IDbContextFactory<ResultsDbContext>
        where TContext : ResultsDbContext
    {
        public ResultsDbContext CreateDbContext() => inner.CreateDbContext();

        public async Task<ResultsDbContext> CreateDbContextAsync(CancellationToken cancellationToken = default) =>
            await inner.CreateDbContextAsync(cancellationToken);
    }
}
