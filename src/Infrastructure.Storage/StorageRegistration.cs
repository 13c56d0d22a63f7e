using AlexNet.Experiments.Domain.Storage;
using AlexNet.Experiments.Domain.Studies;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AlexNet.Experiments.Infrastructure.Storage;

public static class StorageRegistration
{
    /// <summary>
    /// Registers the SQLite results store (database at {dataDirectory}/results.db), the file artifact store rooted at
    /// <paramref name="dataDirectory"/>, a pooled <see cref="IDbContextFactory{ResultsDbContext}"/> and <see cref="StorageOptions"/>.
    /// Call <see cref="MigrateResultsStoreAsync"/> once at start-up before using the store.
    /// </summary>
    public static IServiceCollection AddSqliteStorage(this IServiceCollection services, string dataDirectory)
    {
        var options = new StorageOptions(dataDirectory);
        services.AddSingleton(options);
        services.AddPooledDbContextFactory<ResultsDbContext>(builder => Configure(builder, options.ResultsConnectionString));
        services.AddSingleton<SqliteResultsStore>();
        services.AddSingleton<IResultsStore>(provider => provider.GetRequiredService<SqliteResultsStore>());
        services.AddSingleton<IStudyStore>(provider => provider.GetRequiredService<SqliteResultsStore>());
        services.AddSingleton<IArtifactStore>(_ => new FileArtifactStore(options.DataDirectory));
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
    }

    internal static void Configure(DbContextOptionsBuilder builder, string connectionString) =>
        builder.UseSqlite(connectionString)
            .AddInterceptors(SqlitePragmaInterceptor.Instance)
            .UseQueryTrackingBehavior(QueryTrackingBehavior.NoTracking);
}
