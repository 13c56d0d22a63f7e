using System.Net;
using System.Text.Json.Nodes;

namespace AlexNet.Experiments.Host.Tests;

public static class PythonCsv
{
    /// <summary>Downloads a CSV and parses it with Python's csv module, the way a reader of the file would; the file is kept in <paramref name="folder"/>.</summary>
    public static async Task<List<Dictionary<string, string>>> ReadCsvWithPythonAsync(this HttpClient client, string url, string folder)
    {
        var response = await client.GetAsync(url);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/csv");
        var file = Path.Combine(folder, $"{Guid.NewGuid():N}.csv");
        await File.WriteAllBytesAsync(file, await response.Content.ReadAsByteArrayAsync());

        var python = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(
            "/usr/bin/python3", ["-c", "import csv, json, sys; print(json.dumps(list(csv.DictReader(open(sys.argv[1], newline='', encoding='utf-8')))))", file])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = await python.StandardOutput.ReadToEndAsync();
        var error = await python.StandardError.ReadToEndAsync();
        await python.WaitForExitAsync();
        python.ExitCode.ShouldBe(0, error);
        return JsonNode.Parse(output)!.AsArray()
            .Select(row => row!.AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValue<string>()))
            .ToList();
    }
}
