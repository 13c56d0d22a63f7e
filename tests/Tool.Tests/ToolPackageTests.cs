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
        // A version of its own, so a tool cached by an earlier run is never the one installed.
        string version = $"0.0.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}";
        string feed = temp.Combine("feed");
        // The solution is already built: pack compiles only the host for linux-x64 and leaves the shared outputs alone.
        await RunAsync("dotnet", ["pack", Path.Combine(Repository.Root(), "src", "Host", "Host.csproj"), "--no-restore", "--no-dependencies",
            "-c", "Debug", "-o", feed, $"-p:Version={version}"], TimeSpan.FromMinutes(8));
        Directory.GetFiles(feed, "*.nupkg").Select(Path.GetFileName).Order()
            .ShouldBe([$"alexnet-experiments.{version}.nupkg", $"alexnet-experiments.linux-x64.{version}.nupkg"]);

        string tools = temp.Combine("tools");
        await RunAsync("dotnet", ["tool", "install", "alexnet-experiments", "--version", version, "--tool-path", tools, "--add-source", feed],
            TimeSpan.FromMinutes(3), ("NUGET_PACKAGES", temp.Combine("nuget-packages")));

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

    private static async Task RunAsync(string fileName, string[] arguments, TimeSpan timeout, params (string Name, string Value)[] environment)
    {
        var (process, output) = Start(fileName, arguments, Repository.Root(), environment);
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
