using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Npgsql;

namespace AlexNet.Experiments.Tests.Shared;

/// <summary>
/// A real PostgreSQL server for the tests: the one named by ALEXNET_TEST_POSTGRES (a connection string whose user may create
/// databases), or else a throwaway cluster from Debian's binaries in a temp folder, listening on 127.0.0.1 and a free port,
/// one per test assembly, stopped and deleted when the test process exits. Each caller gets a database of its own.
/// </summary>
internal sealed class PostgresServer
{
    public const string EnvironmentVariable = "ALEXNET_TEST_POSTGRES";

    private static readonly Lazy<Task<PostgresServer>> Shared = new(StartAsync);

    private readonly string adminConnectionString;

    private PostgresServer(string adminConnectionString) => this.adminConnectionString = adminConnectionString;

    public static Task<PostgresServer> GetAsync() => Shared.Value;

    /// <summary>A new, empty database; its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string? template = null)
    {
        var name = "alexnet_test_" + Guid.NewGuid().ToString("N");
        await ExecuteAsync($"CREATE DATABASE {name}" + (template is null ? "" : $" TEMPLATE {template}"));
        return new NpgsqlConnectionStringBuilder(adminConnectionString) { Database = name }.ToString();
    }

    /// <summary>Drops the database of <paramref name="connectionString"/>, closing whatever is still connected to it.</summary>
    public async Task DropDatabaseAsync(string connectionString)
    {
        NpgsqlConnection.ClearAllPools();
        await ExecuteAsync($"DROP DATABASE IF EXISTS {new NpgsqlConnectionStringBuilder(connectionString).Database} WITH (FORCE)");
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(adminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<PostgresServer> StartAsync()
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } configured)
        {
            return new PostgresServer(configured);
        }

        var bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(v => Path.Combine(v, "bin")).Where(b => File.Exists(Path.Combine(b, "initdb"))).Order().LastOrDefault()
            : null;
        if (bin is null)
        {
            throw new InvalidOperationException(
                $"No PostgreSQL server binaries in /usr/lib/postgresql/*/bin. Install Debian's postgresql package (apt-get install postgresql), " +
                $"or set {EnvironmentVariable} to the connection string of a server the tests may create databases on.");
        }

        var root = Path.Combine(Path.GetTempPath(), "alexnet-postgres-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        // PostgreSQL refuses to run as root: then the cluster belongs to, and the server runs as, the postgres user.
        bool asRoot = geteuid() == 0;
        if (asRoot)
        {
            await RunAsync("chown", "postgres:postgres", root);
        }

        int port = FreePort();
        var data = Path.Combine(root, "data");
        await RunAsync(asRoot, Path.Combine(bin, "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync");
        await RunAsync(asRoot, Path.Combine(bin, "pg_ctl"), "-D", data, "-l", Path.Combine(root, "server.log"), "-w", "-t", "60", "-o",
            $"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300",
            "start");

        // A watchdog outside the test process stops the server and deletes the folder once the test process is gone, even when
        // the test runner kills it without running exit handlers.
        var pgCtl = Path.Combine(bin, "pg_ctl");
        var stop = asRoot ? $"runuser -u postgres -- {pgCtl}" : pgCtl;
        var watchdog = new ProcessStartInfo("setsid") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])["sh", "-c",
            $"while kill -0 {Environment.ProcessId} 2>/dev/null; do sleep 1; done; {stop} -D '{data}' -m immediate -w stop >/dev/null 2>&1; rm -rf '{root}'"])
        {
            watchdog.ArgumentList.Add(arg);
        }

        Process.Start(watchdog)!.Dispose();

        return new PostgresServer($"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Include Error Detail=true");
    }

    private static Task RunAsync(bool asPostgres, string program, params string[] args) =>
        asPostgres ? RunAsync("runuser", ["-u", "postgres", "--", program, .. args]) : RunAsync(program, args);

    private static async Task RunAsync(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed ({process.ExitCode}):\n{await output}\n{await error}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [DllImport("libc")]
    private static extern uint geteuid();
}
