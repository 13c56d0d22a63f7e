using Microsoft.Data.Sqlite;

namespace AlexNet.Experiments.Host.Tests;

/// <summary>Rows in every table of a results database, read straight from SQLite: what a refused request must leave as it was.</summary>
public static class StoredRows
{
    public static Dictionary<string, long> Count(string databasePath)
    {
        using var connection = new SqliteConnection($"Data Source={databasePath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        var tables = new List<string>();
        using (var list = connection.CreateCommand())
        {
            list.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'";
            using var reader = list.ExecuteReader();
            while (reader.Read())
            {
                tables.Add(reader.GetString(0));
            }
        }

        tables.Count.ShouldBeGreaterThan(3);
        return tables.ToDictionary(t => t, t =>
        {
            using var count = connection.CreateCommand();
            count.CommandText = $"SELECT COUNT(*) FROM \"{t}\"";
            return (long)count.ExecuteScalar()!;
        });
    }
}
