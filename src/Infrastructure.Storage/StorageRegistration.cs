using AlexNet.Experiments.Domain.Storage;
using AlexNet.Experiments.Domain.Studies;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AlexNet.Experiments.Infrastructure.Storage;

public static class StorageRegistration
{
    /// <summary>
    /// Registers the SQLite results store (database at {dataDirectory}/results.db), the file artifact store rooted at
    /// <paramref name="artifactDirectory"/> (default: <paramref name="dataDirectory"/>), a pooled <see cref="IDbContextFactory{ResultsDbContext}"/> and <see cref="StorageOptions"/>.
    /// Call <see cref="MigrateResultsStoreAsync"/> once at start-up before using the store.
    /// </summary>
    public static IServiceCollection AddSqliteStorage(this IServiceCollection services, string dataDirectory, string? artifactDirectory = null)
    {
        var options = new StorageOptions(dataDirectory, artifactDirectory);
        services.AddSingleton(new ArtifactPaths(options.ArtifactDirectory));
        services.AddSingleton(options);
        services.AddPooledDbContextFactory<ResultsDbContext>(builder => Configure(builder, options.ResultsConnectionString));
        services.AddSingleton<SqliteResultsStore>();
        services.AddSingleton<IResultsStore>(provider => provider.GetRequiredService<SqliteResultsStore>());
        services.AddSingleton<IStudyStore>(provider => provider.GetRequiredService<SqliteResultsStore>());
        services.AddSingleton<IArtifactStore>(_ => new FileArtifactStore(options.ArtifactDirectory));
        return services;
    }

    /// <summary>Creates the data folder if missing and applies pending migrations to the results database.</summary>
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
}
