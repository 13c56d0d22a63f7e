using System.Net;
using System.Net.Sockets;

namespace AlexNet.Experiments.Host.Tests.RunState;

/// <summary>
/// The host serving on a data folder as a real child process (<see cref="HostProcess"/>), so a test can SIGKILL or SIGTERM it
/// and start it again on the same folder. Its console log is kept for the test to wait on.
/// </summary>
public sealed class ChildHost : IAsyncDisposable
{
    private readonly HostProcess process;

    private ChildHost(HostProcess process, int port)
    {
        this.process = process;
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
    }

    public HttpClient Client { get; }

    public DateTime StartedAt { get; } = DateTime.UtcNow;

    public string Log => process.Output + process.Error;

    public static async Task<ChildHost> StartAsync(string dataDirectory, params string[] settings)
    {
        int port = FreePort();
        var host = new ChildHost(HostProcess.Start([
            "serve",
            $"--AlexNet:DataDirectory={dataDirectory}",
            $"--urls=http://127.0.0.1:{port}",
            $"--AlexNet:DatasetRoots={Path.GetTempPath()}", // the tests' sources live in temp folders
            "--Logging:Console:FormatterName=simple",
            "--Logging:Console:FormatterOptions:SingleLine=true",
            .. settings]), port);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                if ((await host.Client.GetAsync("/api/experiments")).StatusCode == HttpStatusCode.OK)
                {
                    return host;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline && !host.process.HasExited)
            {
            }

            if (DateTime.UtcNow > deadline || host.process.HasExited)
            {
                await host.DisposeAsync();
                throw new TimeoutException($"The host did not start:\n{host.Log}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>A host in the worker role: no HTTP, so it is ready once its start-up tasks have logged.</summary>
    public static async Task<ChildHost> StartWorkerAsync(string dataDirectory, params string[] settings)
    {
        var host = new ChildHost(HostProcess.Start([
            "serve",
            "--AlexNet:Role=worker",
            $"--AlexNet:DataDirectory={dataDirectory}",
            $"--AlexNet:DatasetRoots={Path.GetTempPath()}",
            "--Logging:Console:FormatterName=simple",
            "--Logging:Console:FormatterOptions:SingleLine=true",
            .. settings]), port: 0);
        try
        {
            await host.WaitForLogAsync("Devices available for training", TimeSpan.FromSeconds(60));
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    /// <summary>Waits for a log line containing <paramref name="text"/>; returns when it was seen.</summary>
    public async Task<DateTime> WaitForLogAsync(string text, TimeSpan timeout, Func<bool>? orCondition = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Log.Contains(text, StringComparison.Ordinal) && orCondition?.Invoke() != true)
        {
            if (DateTime.UtcNow > deadline || process.HasExited)
            {
                throw new TimeoutException($"No log line with '{text}' within {timeout}:\n{Log}");
            }

            await Task.Delay(10);
        }

        return DateTime.UtcNow;
    }

    public void Kill() => process.Kill();

    /// <summary>SIGTERM, as `systemctl stop` sends it.</summary>
    public void Terminate() => process.Signal(HostProcess.SIGTERM);

    public async Task<TimeSpan> WaitForExitAsync(TimeSpan timeout) => (await process.WaitForExitAsync(timeout)).Elapsed;

    public ValueTask DisposeAsync()
    {
        process.Dispose();
        Client.Dispose();
        return ValueTask.CompletedTask;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
