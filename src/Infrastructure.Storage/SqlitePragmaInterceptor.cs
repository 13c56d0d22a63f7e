using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace AlexNet.Experiments.Infrastructure.Storage;

/// <summary>
/// Puts every connection in WAL mode with a busy timeout, so Hangfire workers and HTTP requests can read while one writes,
/// and a second writer waits for the lock instead of failing with "database is locked".
/// </summary>
internal sealed class SqlitePragmaInterceptor : DbConnectionInterceptor
{
    public static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(30);

    // busy_timeout first, so switching a new file to WAL already waits on a competing connection.
    private static readonly string Pragmas = $"PRAGMA busy_timeout = {(int)BusyTimeout.TotalMilliseconds}; PRAGMA journal_mode = WAL;";

    public static SqlitePragmaInterceptor Instance { get; } = new();

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
