using AlexNet.Experiments.Host.Cli;
using Microsoft.Data.Sqlite;

namespace AlexNet.Experiments.Host.Tests;

/// <summary>The README's main command, shortened to two epochs: the real verb, in-process, on a fresh data folder.</summary>
public sealed class QuickstartCommandTests : IDisposable
{
    private readonly string dataDirectory = Path.Combine(Path.GetTempPath(), "alexnet-quickstart-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(dataDirectory, recursive: true);
    }

    [Fact]
    public async Task Quickstart_runs_end_to_end_and_leaves_the_run_in_the_results_file()
    {
        var output = new StringWriter();
        var original = Console.Out;
        Console.SetOut(output);
        int exitCode;
        try
        {
            exitCode = await QuickstartCommand.RunAsync([$"--AlexNet:DataDirectory={dataDirectory}", "--epochs=2"]);
        }
        finally
        {
            Console.SetOut(original);
        }

        var printed = output.ToString();
        exitCode.ShouldBe(0, printed);
        printed.ShouldContain("epoch   2");
        printed.ShouldContain("top-1 error");

        await using var db = new SqliteConnection($"Data Source={Path.Combine(dataDirectory, "results.db")};Mode=ReadOnly");
        await db.OpenAsync();
        await using var command = db.CreateCommand();
        command.CommandText = """
            SELECT r.Status, (SELECT COUNT(*) FROM EpochMetrics m WHERE m.RunId = r.Id), (SELECT Top1Error FROM EvaluationResults e WHERE e.RunId = r.Id),
                   (SELECT Seed FROM HyperparameterRecords h WHERE h.RunId = r.Id)
            FROM Runs r
            """;
        await using var reader = await command.ExecuteReaderAsync();
        (await reader.ReadAsync()).ShouldBeTrue();
        reader.GetString(0).ShouldBe("Succeeded");
        reader.GetInt64(1).ShouldBe(2);
        reader.GetDouble(2).ShouldBeLessThan(0.5, "ten classes: chance is 0.9, and two epochs already learn most of the shapes");
        reader.GetInt64(3).ShouldBe(7);
    }
}
