using System.Diagnostics;
using System.Text.Json;

namespace AlexNet.Experiments.Infrastructure.Torch.OneDnn;

/// <summary>
/// Runs <see cref="OneDnnProbe"/> in a child process: the cap must be decided before this process's first libtorch call, and
/// a probe computes with oneDNN uncapped, which a process can do only once. The child prints the result as one JSON line.
/// </summary>
public static class OneDnnProbeProcess
{
    /// <summary>A few seconds on an idle 2-core machine; generous for one shared with a test suite.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>What the child prints: the result on one line.</summary>
    public static string Print(OneDnnProbeResult result) => JsonSerializer.Serialize(result, Json);

    /// <exception cref="OneDnnProbeFailedException">The child could not start, failed, timed out or printed no result.</exception>
    public static OneDnnProbeResult Run(IReadOnlyList<string> commandLine, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(commandLine[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in commandLine.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Remove(OneDnnInstructionSet.Variable);
        string shown = $"`{string.Join(' ', commandLine)}`";
        using var process = StartOrFail(start, shown);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new OneDnnProbeFailedException($"{shown} did not finish in {timeout.TotalSeconds:F0} s");
        }

        if (process.ExitCode != 0)
        {
            throw new OneDnnProbeFailedException($"{shown} exited with {process.ExitCode}: {Tail(error.Result)}");
        }

        string? last = output.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        try
        {
            return (last is null ? null : JsonSerializer.Deserialize<OneDnnProbeResult>(last, Json))
                ?? throw new OneDnnProbeFailedException($"{shown} printed no result");
        }
        catch (JsonException e)
        {
            throw new OneDnnProbeFailedException($"{shown} printed no result ({e.Message})");
        }
    }

    private static Process StartOrFail(ProcessStartInfo start, string shown)
    {
        try
        {
            return Process.Start(start) ?? throw new OneDnnProbeFailedException($"{shown} did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new OneDnnProbeFailedException($"{shown} did not start: {e.Message}");
        }
    }

    private static string Tail(string text) => text.Length <= 400 ? text.Trim() : "…" + text[^400..].Trim();
}

public sealed class OneDnnProbeFailedException(string message) : Exception(message);
