using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace AlexNet.Experiments.Host.Tests.RunState;

/// <summary>
/// The built host as a real child process (`dotnet AlexNet.Experiments.Host.dll serve ...`) on a data folder, so a test can
/// SIGKILL or SIGTERM it and start it again on the same folder. Its console log is kept for the test to wait on.
/// </summary>
public sealed class ChildHost : IAsyncDisposable
{
    private readonly Process process;
    private readonly ConcurrentQueue<string> lines = new();

    private ChildHost(Process process, int port)
    {
        this.process = process;
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        process.OutputDataReceived += (_, e) => Record(e.Data);
        process.ErrorDataReceived += (_, e) => Record(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public HttpClient Client { get; }

    public DateTime StartedAt { get; } = DateTime.UtcNow;

    public string Log => string.Join('\n', lines);

    public static async Task<ChildHost> StartAsync(string dataDirectory, params string[] settings)
    {
        int port = FreePort();
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "AlexNet.Experiments.Host.dll"));
        info.ArgumentList.Add("serve");
        info.ArgumentList.Add($"--AlexNet:DataDirectory={dataDirectory}");
        info.ArgumentList.Add($"--urls=http://127.0.0.1:{port}");
        info.ArgumentList.Add($"--AlexNet:DatasetRoots={Path.GetTempPath()}"); // the tests' sources live in temp folders
        info.ArgumentList.Add("--Logging:Console:FormatterName=simple");
        info.ArgumentList.Add("--Logging:Console:FormatterOptions:SingleLine=true");
        foreach (var setting in settings)
        {
            info.ArgumentList.Add(setting);
        }

        var host = new ChildHost(Process.Start(info)!, port);
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

    /// <summary>Waits for a log line containing <paramref name="text"/>; returns when it was seen.</summary>
    public async Task<DateTime> WaitForLogAsync(string text, TimeSpan timeout, Func<bool>? orCondition = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!lines.Any(l => l.Contains(text, StringComparison.Ordinal)) && orCondition?.Invoke() != true)
        {
            if (DateTime.UtcNow > deadline || process.HasExited)
            {
                throw new TimeoutException($"No log line with '{text}' within {timeout}:\n{Log}");
            }

            await Task.Delay(5);
        }

        return DateTime.UtcNow;
    }

    public void Kill() => process.Kill();

    /// <summary>SIGTERM, as `systemctl stop` or `docker stop` sends it; through libc, since a bare CI image may lack a kill binary.</summary>
    public void Terminate() => Signal(process.Id, 15).ShouldBe(0);

    public async Task<TimeSpan> WaitForExitAsync(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        using var cancel = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cancel.Token);
        return clock.Elapsed;
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill();
        }

        await process.WaitForExitAsync();
        process.Dispose();
        Client.Dispose();
    }

    private void Record(string? line)
    {
        if (line is not null)
        {
            lines.Enqueue(line);
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill")]
#pragma warning disable SYSLIB1054 // LibraryImport would need unsafe code enabled in the test project for one call
    private static extern int Signal(int processId, int signal);
#pragma warning restore SYSLIB1054

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
