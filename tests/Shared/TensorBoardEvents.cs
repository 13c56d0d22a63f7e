using System.Diagnostics;
using System.Text.Json.Nodes;

namespace AlexNet.Experiments.Tests.Shared;

/// <summary>A TensorBoard scalar as an event file holds it.</summary>
internal sealed record TensorBoardScalar(string Tag, long Step, double Value, double WallTime);

/// <summary>One event file: the version its first event names, then its scalars in order.</summary>
internal sealed record TensorBoardFile(string Name, string? FileVersion, IReadOnlyList<TensorBoardScalar> Scalars);

/// <summary>
/// A folder of TensorBoard event files as an independent reader decodes them: <c>read_tfevents.py</c> beside the test binaries
/// (from tests/Shared), run by Debian's python3, checks the record framing and every checksum and decodes the protobuf itself.
/// </summary>
internal static class TensorBoardEvents
{
    public static async Task<IReadOnlyList<TensorBoardFile>> ReadAsync(string folder)
    {
        var start = new ProcessStartInfo("/usr/bin/python3", [Path.Combine(AppContext.BaseDirectory, "Shared", "read_tfevents.py"), folder])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        process.ExitCode.ShouldBe(0, await error);
        return JsonNode.Parse(await output)!.AsArray().Select(file =>
        {
            var events = file!["events"]!.AsArray();
            var scalars = events.SelectMany(e => e!["values"]!.AsArray().Select(v => new TensorBoardScalar(
                v!["tag"]!.GetValue<string>(), e["step"]!.GetValue<long>(), v["simple_value"]!.GetValue<double>(), e["wall_time"]!.GetValue<double>())));
            return new TensorBoardFile(file["file"]!.GetValue<string>(), events[0]!["file_version"]?.GetValue<string>(), [.. scalars]);
        }).ToList();
    }
}
