using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace AlexNet.Experiments.Infrastructure.Storage;

/// <summary>Lets `dotnet ef migrations add` build the model from this project alone, without the Host.</summary>
internal sealed class ResultsDbContextDesignTimeFactory : IDesignTimeDbContextFactory<ResultsDbContext>
{
    public ResultsDbContext CreateDbContext(string[] args)
    {
        var builder = new DbContextOptionsBuilder<ResultsDbContext>();
        StorageRegistration.Configure(builder, StorageOptions.BuildConnectionString(StorageOptions.ResultsDatabaseFileName));
        return new ResultsDbContext(builder.Options);
    }
}

/// <summary>The same for the PostgreSQL migrations; `migrations add` does not connect, so the server named here need not exist.</summary>
internal sealed class PostgresResultsDbContextDesignTimeFactory : IDesignTimeDbContextFactory<PostgresResultsDbContext>
{
    public PostgresResultsDbContext CreateDbContext(string[] args)
    {
        var builder = new DbContextOptionsBuilder<PostgresResultsDbContext>();
        StorageRegistration.ConfigurePostgreSql(builder, "Host=localhost;Database=alexnet");
        return new PostgresResultsDbContext(builder.Options);
    }
}
