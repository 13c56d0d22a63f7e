using Microsoft.Data.Sqlite;

namespace AlexNet.Experiments.Host.Tests;

/// <summary>The README's main command, shortened: the real program, in-process, on a fresh data folder, output redirected.</summary>
public sealed class QuickstartCommandTests : IDisposable
{
    private readonly string dataDirectory = Path.Combine(Path.GetTempPath(), "alexnet-quickstart-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(dataDirectory, recursive: true);
    }

    [Fact]
    public async Task Quickstart_runs_end_to_end_prints_in_order_and_leaves_the_run_in_the_results_file()
    {
        var (exitCode, printed) = Quickstart("--epochs=2");

        exitCode.ShouldBe(0, printed);
        var lines = printed.Split('\n', StringSplitOptions.TrimEntries);
        int Line(string text)
        {
            int index = Array.FindIndex(lines, l => l.Contains(text, StringComparison.Ordinal));
            index.ShouldBeGreaterThanOrEqualTo(0, text);
            return index;
        }

        // Plain lines in the order things happened.
        printed.ShouldNotContain("%|", customMessage: "no progress bars when output is redirected");
        Line("Generating the synthetic shapes dataset").ShouldBeLessThan(Line("Submitted run"));
        Line("] Training").ShouldBeLessThan(Line("epoch   1"));
        Line("epoch   1").ShouldBeLessThan(Line("epoch   2"));
        Line("epoch   2").ShouldBeLessThan(Line("] Evaluating"));
        Line("] Evaluating").ShouldBeLessThan(Line("] Succeeded"));
        Line("] Succeeded").ShouldBeLessThan(Line("top-1 error"));
        lines.Count(l => l.StartsWith("epoch ", StringComparison.Ordinal)).ShouldBe(2);

        // A second quickstart in the same folder keeps the generated images and says so.
        var (secondExitCode, secondPrinted) = Quickstart("--epochs=1");
        secondExitCode.ShouldBe(0, secondPrinted);
        secondPrinted.ShouldContain($"Reusing the synthetic shapes dataset generated earlier in {Path.Combine(dataDirectory, "sources", "synthetic-shapes")}");
        secondPrinted.ShouldNotContain("Generating");

        await using var db = new SqliteConnection($"Data Source={Path.Combine(dataDirectory, "results.db")};Mode=ReadOnly");
        await db.OpenAsync();
        await using var command = db.CreateCommand();
        command.CommandText = """
            SELECT r.Status, (SELECT COUNT(*) FROM EpochMetrics m WHERE m.RunId = r.Id), (SELECT Top1Error FROM EvaluationResults e WHERE e.RunId = r.Id),
                   (SELECT Seed FROM HyperparameterRecords h WHERE h.RunId = r.Id)
            FROM Runs r ORDER BY r.CreatedAt
            """;
        await using var reader = await command.ExecuteReaderAsync();
        (await reader.ReadAsync()).ShouldBeTrue();
        reader.GetString(0).ShouldBe("Succeeded");
        reader.GetInt64(1).ShouldBe(2);
        reader.GetDouble(2).ShouldBeLessThan(0.5, "ten classes: chance is 0.9, and two epochs already learn most of the shapes");
        reader.GetInt64(3).ShouldBe(7);
        (await reader.ReadAsync()).ShouldBeTrue();
        reader.GetString(0).ShouldBe("Succeeded");
        reader.GetInt64(1).ShouldBe(1);
    }

    private (int ExitCode, string Printed) Quickstart(string epochs)
    {
        var output = new StringWriter();
        var original = Console.Out;
        Console.SetOut(output);
        try
        {
            var exitCode = (int)typeof(Program).Assembly.EntryPoint!.Invoke(null, [new[] { "quickstart", $"--AlexNet:DataDirectory={dataDirectory}", epochs }])!;
            return (exitCode, output.ToString());
        }
        finally
        {
            Console.SetOut(original);
        }
    }
}
