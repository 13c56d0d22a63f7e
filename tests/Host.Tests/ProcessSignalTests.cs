using System.Net;
using System.Net.Sockets;
using AlexNet.Experiments.Host.Cli;
using Microsoft.Data.Sqlite;

namespace AlexNet.Experiments.Host.Tests;

/// <summary>
/// The built host as a child process: Ctrl-C and SIGTERM stop it with the shell's exit codes within the grace period,
/// and a port already in use is one line, not a stack trace.
/// </summary>
public sealed class ProcessSignalTests : IDisposable
{
    private static readonly TimeSpan StopBound = Termination.GracePeriod + TimeSpan.FromSeconds(10);
    private readonly string dataDirectory = Path.Combine(Path.GetTempPath(), "alexnet-process-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(dataDirectory))
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task Sigterm_during_the_first_epoch_stops_the_quickstart_with_143_and_leaves_the_run_to_continue()
    {
        using var host = HostProcess.Start("quickstart", "--epochs", "2", $"--AlexNet:DataDirectory={dataDirectory}");
        await host.WaitForOutputAsync("] Training", TimeSpan.FromMinutes(4));
        await WaitUntilMidEpochAsync(TimeSpan.FromMinutes(1));

        host.Signal(HostProcess.SIGTERM);
        var (exitCode, elapsed) = await host.WaitForExitAsync(StopBound);

        exitCode.ShouldBe(143, $"stopped after {elapsed}\n{host.Output}\n{host.Error}");
        host.Error.ShouldContain("Terminated: stopping at the next batch boundary");
        host.Output.ShouldContain("is saved; the next quickstart in this data folder continues it.");
        host.Output.ShouldNotContain("Succeeded");
        (await RunStatusesAsync()).ShouldBe(["Training"], "stopped by a signal, not failed: the next start continues it");
    }

    [Fact]
    public async Task Ctrl_c_while_the_dataset_is_generated_stops_with_130_and_leaves_no_half_written_dataset()
    {
        using var host = HostProcess.Start("quickstart", $"--AlexNet:DataDirectory={dataDirectory}");
        await host.WaitForOutputAsync("Generating the synthetic shapes dataset", TimeSpan.FromMinutes(2));

        host.Signal(HostProcess.SIGINT);
        var (exitCode, elapsed) = await host.WaitForExitAsync(StopBound);

        exitCode.ShouldBe(130, $"stopped after {elapsed}\n{host.Output}\n{host.Error}");
        host.Error.ShouldContain("Interrupted: stopping");
        host.Output.ShouldContain("Stopped before a run was submitted.");
        Directory.Exists(Path.Combine(dataDirectory, "sources", "synthetic-shapes")).ShouldBeFalse("the next quickstart would refuse a half-written folder");
    }

    [Fact]
    public async Task A_port_in_use_is_one_line_and_exit_code_1()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;

        // --Logging:... is no declared option: it reaches ASP.NET configuration as it is.
        using var host = HostProcess.Start($"--urls=http://127.0.0.1:{port}", $"--AlexNet:DataDirectory={dataDirectory}", "--Logging:LogLevel:Default=Warning");
        var (exitCode, _) = await host.WaitForExitAsync(TimeSpan.FromMinutes(2));

        exitCode.ShouldBe(1, $"{host.Output}\n{host.Error}");
        host.Error.TrimEnd().ShouldBe($"http://127.0.0.1:{port} is already in use (another server is listening there); pass --urls=http://localhost:<free port>.");
        host.Output.ShouldNotContain(" at ");
        host.Output.ShouldNotContain("info:", customMessage: "the forwarded log level applies");
    }

    /// <summary>The quickstart serves no HTTP, so the run's stored progress is read from its results database.</summary>
    private async Task WaitUntilMidEpochAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            await using (var db = new SqliteConnection($"Data Source={Path.Combine(dataDirectory, "results.db")};Mode=ReadOnly"))
            {
                await db.OpenAsync();
                await using var command = db.CreateCommand();
                command.CommandText = "SELECT LastProgress FROM Runs";
                // The store keeps progress as PascalCase JSON.
                if (await command.ExecuteScalarAsync() is string json && System.Text.Json.Nodes.JsonNode.Parse(json) is { } progress
                    && progress["Phase"]!.GetValue<string>() == "training"
                    && progress["ImagesDone"]!.GetValue<int>() is > 0 and var done && done < progress["ImagesTotal"]!.GetValue<int>())
                {
                    return;
                }
            }

            DateTime.UtcNow.ShouldBeLessThan(deadline, "no stored progress showed a batch of the first epoch done");
            await Task.Delay(100);
        }
    }

    private async Task<List<string>> RunStatusesAsync()
    {
        await using var db = new SqliteConnection($"Data Source={Path.Combine(dataDirectory, "results.db")};Mode=ReadOnly");
        await db.OpenAsync();
        await using var command = db.CreateCommand();
        command.CommandText = "SELECT Status FROM Runs";
        await using var reader = await command.ExecuteReaderAsync();
        var statuses = new List<string>();
        while (await reader.ReadAsync())
        {
            statuses.Add(reader.GetString(0));
        }

        return statuses;
    }
}
