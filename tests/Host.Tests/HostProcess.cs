using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using AlexNet.Experiments.Tests.Shared;

namespace AlexNet.Experiments.Host.Tests;

/// <summary>The built host as a real child process (`dotnet AlexNet.Experiments.Host.dll ...`), for promises about signals and exit codes.</summary>
internal sealed class HostProcess : IDisposable
{
    public const int SIGINT = 2;
    public const int SIGTERM = 15;

    private readonly Process process;
    private readonly StringBuilder output = new();
    private readonly StringBuilder error = new();
    private readonly Lock gate = new();

    private HostProcess(Process process) => this.process = process;

    public string Output
    {
        get
        {
            lock (gate)
            {
                return output.ToString();
            }
        }
    }

    public string Error
    {
        get
        {
            lock (gate)
            {
                return error.ToString();
            }
        }
    }

    public static HostProcess Start(params string[] args) => StartWith([], args);

    /// <summary>Starts the host allowed to run only on the CPUs in <paramref name="cpuList"/> (taskset's list, e.g. "0").</summary>
    public static HostProcess StartPinned(string cpuList, params string[] args) => StartWith(["taskset", "--cpu-list", cpuList], args);

    /// <summary>Starts the host with <paramref name="environment"/> added to this process's environment (e.g. AlexNet__Workers=2).</summary>
    public static HostProcess StartWithEnvironment(IReadOnlyDictionary<string, string> environment, params string[] args) => StartWith([], args, environment);

    private static HostProcess StartWith(string[] launcher, string[] args, IReadOnlyDictionary<string, string>? environment = null)
    {
        // Through env --default-signal: a test run started in the background of a non-interactive shell inherits SIGINT
        // ignored, and .NET, like any Unix program, leaves an ignored SIGINT ignored, so Ctrl-C tests would see nothing.
        var start = new ProcessStartInfo("/usr/bin/env")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // One probe verdict for every child of the test run, unless a test chooses: each child's data folder is fresh.
        start.Environment["AlexNet__OneDnnVerdictDirectory"] = TestTorchRuntime.VerdictFolder;
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        start.ArgumentList.Add("--default-signal=INT");
        foreach (var word in launcher)
        {
            start.ArgumentList.Add(word);
        }

        start.ArgumentList.Add(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet");
        start.ArgumentList.Add(typeof(Program).Assembly.Location);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = start };
        var host = new HostProcess(process);
        process.OutputDataReceived += (_, e) => host.Append(host.output, e.Data);
        process.ErrorDataReceived += (_, e) => host.Append(host.error, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return host;
    }

    /// <summary>Waits until stdout has a line containing <paramref name="text"/>; fails if the process exits first or the wait runs out.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (process.HasExited || deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"No '{text}' in the output (exited: {process.HasExited}):\n{Output}\n{Error}");
            }

            await Task.Delay(100);
        }
    }

    public bool HasExited => process.HasExited;

    /// <summary>SIGKILL: no chance to save anything, as in a crash.</summary>
    public void Kill() => process.Kill();

    public void Signal(int signal) => kill(process.Id, signal).ShouldBe(0, $"kill({process.Id}, {signal}) failed");

    /// <summary>The exit code and how long the exit took; null when the process outlived <paramref name="bound"/>.</summary>
    public async Task<(int? ExitCode, TimeSpan Elapsed)> WaitForExitAsync(TimeSpan bound)
    {
        var clock = Stopwatch.StartNew();
        using var timeout = new CancellationTokenSource(bound);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            return (null, clock.Elapsed);
        }

        process.WaitForExit(); // drains the redirected streams
        return (process.ExitCode, clock.Elapsed);
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }

        process.Dispose();
    }

    private void Append(StringBuilder target, string? line)
    {
        if (line is not null)
        {
            lock (gate)
            {
                target.AppendLine(line);
            }
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
