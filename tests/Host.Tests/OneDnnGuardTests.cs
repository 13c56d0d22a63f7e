using System.Text.Json;
using AlexNet.Experiments.Host.Cli;
using AlexNet.Experiments.Host.Tests.RunState;
using AlexNet.Experiments.Infrastructure.Torch.OneDnn;
using AlexNet.Experiments.Tests.Shared;

namespace AlexNet.Experiments.Host.Tests;

/// <summary>
/// The oneDNN guard in real processes (issue 22): the hidden verb probes this machine in a child, and a host whose data
/// folder holds a wrong-result verdict for this machine caps oneDNN, logs why and reports it at GET /api/runtime.
/// </summary>
public sealed class OneDnnGuardTests(ApiTests.Host host) : IClassFixture<ApiTests.Host>, IDisposable
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
    private readonly TempDirectory dataDirectory = new();

    public void Dispose() => dataDirectory.Dispose();

    [Fact]
    public async Task The_hidden_verb_probes_this_machine_in_a_child_process_and_this_processs_cap_agrees_with_it()
    {
        using var probe = HostProcess.Start(OneDnnProbeCommand.Name);
        var (exitCode, _) = await probe.WaitForExitAsync(OneDnnProbeProcess.Timeout);

        exitCode.ShouldBe(0, probe.Error);
        var result = JsonSerializer.Deserialize<OneDnnProbeResult>(probe.Output.Trim().Split('\n')[^1], Web)!;
        result.CasesChecked.ShouldBe(OneDnnProbe.Cases().Count);
        var cap = TestTorchRuntime.Start().OneDnn;
        cap.Source.ShouldNotBe(OneDnnCapSource.ProbeFailed, cap.Reason);
        if (cap.Source != OneDnnCapSource.User)
        {
            cap.MaxIsa.ShouldBe(result.Wrong.Count == 0 ? null : "AVX2", string.Join("; ", result.Wrong));
        }
    }

    [Fact]
    public async Task A_host_whose_verdict_for_this_machine_is_a_wrong_result_caps_onednn_logs_why_and_reports_it()
    {
        new OneDnnVerdictCache(dataDirectory.Path).Save(new OneDnnVerdict(
            OneDnnMachine.Describe(), 82, [new ProbeFinding("Grouped 24->32 5x5 at 27x27", 2, 0.42)], new DateTimeOffset(2026, 12, 8, 0, 10, 0, TimeSpan.Zero)));

        await using var child = await ChildHost.StartAsync(dataDirectory.Path, $"--AlexNet:OneDnnVerdictDirectory={dataDirectory.Path}");
        var runtime = await child.Client.GetJsonAsync("/api/runtime");
        if (Environment.GetEnvironmentVariable("ONEDNN_MAX_CPU_ISA") is { } yours)
        {
            runtime["oneDnn"]!["reason"]!.GetValue<string>().ShouldBe("yours", $"ONEDNN_MAX_CPU_ISA={yours} is set, and wins over any verdict");
            return;
        }

        runtime["oneDnn"]!["maxIsa"]!.GetValue<string>().ShouldBe("AVX2");
        runtime["oneDnn"]!["source"]!.GetValue<string>().ShouldBe("CachedProbe");
        const string reason = "the probe found 1 of 82 float32 convolutions wrong uncapped, first Grouped 24->32 5x5 at 27x27 on 2 threads (cached from the probe of 2026-12-08 00:10 UTC)";
        runtime["oneDnn"]!["reason"]!.GetValue<string>().ShouldBe(reason);
        child.Log.ShouldContain($"ONEDNN_MAX_CPU_ISA=AVX2: {reason}");
    }

    [Fact]
    public async Task The_runtime_endpoint_reports_what_this_process_chose()
    {
        var runtime = await host.Client.GetJsonAsync("/api/runtime");
        var setup = TestTorchRuntime.Start();

        runtime["libTorchVersion"]!.GetValue<string>().ShouldBe(setup.LibTorchVersion);
        runtime["intraOpThreads"]!.GetValue<int>().ShouldBe(setup.IntraOpThreads);
        (runtime["oneDnn"]!["maxIsa"]?.GetValue<string>()).ShouldBe(setup.OneDnn.MaxIsa);
        runtime["oneDnn"]!["reason"]!.GetValue<string>().ShouldBe(setup.OneDnn.Reason);
        runtime["description"]!.GetValue<string>().ShouldBe(setup.ToString());
    }
}
