using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using AlexNet.Experiments.Tests.Shared;

namespace AlexNet.Experiments.Tool.Tests;

/// <summary>
/// The CLI as a dotnet tool, the way the README installs it: packed from src/Host, installed into a tool folder, and run from
/// a folder outside the repository, where it loads libtorch (the model summary builds the full-size network) and serves the
/// web app.
/// </summary>
public sealed class ToolPackageTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task The_packed_tool_installs_and_serves_the_api_and_the_web_app_outside_the_repository()
    {
        // Packed from a copy of the sources, as the README's `dotnet pack` does in a fresh clone: packing in the checkout itself
        // would rebuild the host's outputs that the other test projects load while they run.
        string sources = temp.Combine("sources");
        CopySources(Repository.Root(), sources);
        string feed = temp.Combine("feed");
        await RunAsync("dotnet", ["pack", Path.Combine(sources, "src", "Host", "Host.csproj"), "-c", "Release", "-o", feed], sources, TimeSpan.FromMinutes(10));
        Directory.GetFiles(feed, "*.nupkg").Select(Path.GetFileName).Order()
            .ShouldBe(["alexnet-experiments.1.0.0.nupkg", "alexnet-experiments.linux-x64.1.0.0.nupkg"]);

        string tools = temp.Combine("tools");
        // A packages folder of its own, so no tool cached by an earlier run is the one installed.
        await RunAsync("dotnet", ["tool", "install", "alexnet-experiments", "--tool-path", tools, "--add-source", feed],
            sources, TimeSpan.FromMinutes(3), ("NUGET_PACKAGES", temp.Combine("nuget-packages")));

        string workingDirectory = Directory.CreateDirectory(temp.Combine("elsewhere")).FullName;
        int port = FreePort();
        var (serve, output) = Start(Path.Combine(tools, "alexnet-experiments"), ["serve", "--urls", $"http://127.0.0.1:{port}"], workingDirectory);
        using var _ = serve;
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            await WaitUntilServingAsync(client, serve, output, TimeSpan.FromMinutes(2));

            using var summary = await client.PostAsync("/api/models/summary", new StringContent("""{ "preset": "paper-2012" }""", Encoding.UTF8, "application/json"));
            string body = await summary.Content.ReadAsStringAsync();
            summary.StatusCode.ShouldBe(HttpStatusCode.OK, body);
            JsonNode.Parse(body)!["totalParameters"]!.GetValue<long>().ShouldBe(60_965_224);

            string page = await client.GetStringAsync("/");
            page.ShouldContain("<title>", Case.Insensitive);
            File.Exists(Path.Combine(workingDirectory, "data", "results.db")).ShouldBeTrue("the tool's default data folder is ./data where it runs");
        }
        finally
        {
            serve.Kill(entireProcessTree: true);
            await serve.WaitForExitAsync();
        }
    }

    /// <summary>What a clone holds, without any build output.</summary>
    private static void CopySources(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from).Where(f => Path.GetFileName(f).StartsWith("Directory.", StringComparison.Ordinal)))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        // The build embeds python/alexnet.py, the network the PyTorch comparison runs.
        foreach (string tree in new[] { "src", "python" })
        {
            CopyTree(Path.Combine(from, tree), Path.Combine(to, tree));
        }
    }

    private static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (var folder in Directory.EnumerateDirectories(from).Where(d => Path.GetFileName(d) is not ("bin" or "obj")))
        {
            CopyTree(folder, Path.Combine(to, Path.GetFileName(folder)));
        }
    }

    private static async Task RunAsync(string fileName, string[] arguments, string workingDirectory, TimeSpan timeout, params (string Name, string Value)[] environment)
    {
        var (process, output) = Start(fileName, arguments, workingDirectory, environment);
        using var _ = process;
        using var cancellation = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cancellation.Token);
        process.ExitCode.ShouldBe(0, $"{fileName} {string.Join(' ', arguments)}\n{Locked(output)}");
    }

    private static async Task WaitUntilServingAsync(HttpClient client, Process process, StringBuilder output, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            process.HasExited.ShouldBeFalse($"the tool exited with {(process.HasExited ? process.ExitCode : 0)}:\n{Locked(output)}");
            DateTime.UtcNow.ShouldBeLessThan(deadline, $"the tool did not answer within {timeout}:\n{Locked(output)}");
            try
            {
                using var answer = await client.GetAsync("/api/experiments");
                if (answer.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(200);
        }
    }

    private static (Process Process, StringBuilder Output) Start(string fileName, string[] arguments, string workingDirectory, params (string Name, string Value)[] environment)
    {
        var info = new ProcessStartInfo(fileName, arguments)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        var output = new StringBuilder();
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, line) => Append(output, line.Data);
        process.ErrorDataReceived += (_, line) => Append(output, line.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return (process, output);
    }

    private static void Append(StringBuilder output, string? line)
    {
        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private static string Locked(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
