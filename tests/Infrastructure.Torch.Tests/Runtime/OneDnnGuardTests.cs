using System.Runtime.InteropServices;
using AlexNet.Experiments.Infrastructure.Torch.OneDnn;
using AlexNet.Experiments.Tests.Shared;

namespace AlexNet.Experiments.Infrastructure.Torch.Tests.Runtime;

/// <summary>
/// How the cap is decided (issue 22): the user's variable wins, else this machine's cached verdict, else a probe whose
/// verdict is cached; only a wrong result (or a probe that fails) caps oneDNN at AVX2.
/// </summary>
public sealed class OneDnnGuardTests : IDisposable
{
    private const string Machine = "AMD EPYC; avx2 fma; TorchSharp 0.105.1; probe 1";
    private static readonly ProbeFinding Wrong = new("Plain 24->32 5x5 at 27x27", 2, 0.31);

    private readonly TempDirectory folder = new();
    private readonly FixedClock clock = new(new DateTimeOffset(2026, 12, 8, 0, 10, 0, TimeSpan.Zero));
    private int probes;

    public void Dispose() => folder.Dispose();

    private OneDnnVerdictCache Cache => new(folder.Path);

    private Func<OneDnnProbeResult> Probe(params ProbeFinding[] wrong) => () =>
    {
        probes++;
        return new OneDnnProbeResult(82, wrong);
    };

    [Fact]
    public void A_machine_whose_probe_finds_every_convolution_right_runs_uncapped_and_probes_only_once()
    {
        var first = OneDnnInstructionSet.Choose(null, Machine, Cache, Probe(), clock);
        var second = OneDnnInstructionSet.Choose(null, Machine, Cache, Probe(), clock);

        first.ShouldBe(new OneDnnCap(null, OneDnnCapSource.Probe, "the probe found all 82 float32 convolutions right uncapped (probed 2026-12-08 00:10 UTC)"));
        second.MaxIsa.ShouldBeNull();
        second.Source.ShouldBe(OneDnnCapSource.CachedProbe);
        probes.ShouldBe(1);
    }

    [Fact]
    public void An_injected_wrong_result_caps_onednn_at_avx2_and_the_cached_verdict_keeps_it_capped()
    {
        var first = OneDnnInstructionSet.Choose(null, Machine, Cache, Probe(Wrong), clock);
        var second = OneDnnInstructionSet.Choose(null, Machine, Cache, Probe(), clock);

        first.ToString().ShouldBe("ONEDNN_MAX_CPU_ISA=AVX2: the probe found 1 of 82 float32 convolutions wrong uncapped, first Plain 24->32 5x5 at 27x27 on 2 threads (probed 2026-12-08 00:10 UTC)");
        second.MaxIsa.ShouldBe("AVX2");
        second.Source.ShouldBe(OneDnnCapSource.CachedProbe);
        probes.ShouldBe(1);
        Cache.Find(Machine)!.Wrong.ShouldBe([Wrong]);
    }

    [Theory]
    [InlineData("AVX512_CORE")]
    [InlineData("ALL")]
    [InlineData("")]
    public void A_setting_of_the_users_wins_without_a_probe(string setting)
    {
        OneDnnInstructionSet.Choose(setting, Machine, Cache, Probe(Wrong), clock).ShouldBe(new OneDnnCap(setting, OneDnnCapSource.User, "yours"));

        probes.ShouldBe(0);
        File.Exists(Cache.Path).ShouldBeFalse();
    }

    [Fact]
    public void A_verdict_holds_for_one_machine_key_so_another_cpu_or_libtorch_probes_again_and_both_are_kept()
    {
        OneDnnInstructionSet.Choose(null, Machine, Cache, Probe(Wrong), clock);
        string newerTorch = Machine.Replace("0.105.1", "0.106.0", StringComparison.Ordinal);

        OneDnnInstructionSet.Choose(null, newerTorch, Cache, Probe(), clock).MaxIsa.ShouldBeNull();

        probes.ShouldBe(2);
        Cache.Find(Machine)!.Wrong.Count.ShouldBe(1);
        Cache.Find(newerTorch)!.Wrong.ShouldBeEmpty();
    }

    [Fact]
    public void A_probe_that_fails_caps_to_be_safe_and_is_not_cached_so_the_next_start_probes_again()
    {
        var cap = OneDnnInstructionSet.Choose(null, Machine, Cache, () => throw new OneDnnProbeFailedException("`host probe-onednn` exited with 139: "), clock);

        cap.MaxIsa.ShouldBe("AVX2");
        cap.Source.ShouldBe(OneDnnCapSource.ProbeFailed);
        cap.Reason.ShouldContain("exited with 139");
        Cache.Find(Machine).ShouldBeNull();
        OneDnnInstructionSet.Choose(null, Machine, Cache, Probe(), clock).MaxIsa.ShouldBeNull();
        probes.ShouldBe(1);
    }

    [Fact]
    public void An_unreadable_verdicts_file_counts_as_empty_and_is_replaced()
    {
        File.WriteAllText(Cache.Path, "{ not json");

        OneDnnInstructionSet.Choose(null, Machine, Cache, Probe(), clock).Source.ShouldBe(OneDnnCapSource.Probe);

        Cache.Find(Machine).ShouldNotBeNull();
    }

    [Fact]
    public void The_machine_key_names_the_cpu_model_its_vector_instruction_sets_and_the_torchsharp_build()
    {
        string key = OneDnnMachine.Describe([
            "processor\t: 0",
            "model name\t: AMD EPYC 9R14",
            "flags\t\t: fpu sse2 avx fma avx2 avx512f avx512bw avx512_bf16 avx512vl amx_tile",
        ]);

        key.ShouldStartWith("AMD EPYC 9R14; amx_tile avx avx2 avx512_bf16 avx512bw avx512f avx512vl fma; TorchSharp ");
        key.ShouldEndWith($"; probe {OneDnnProbe.Version}");
    }

    [Fact]
    public void The_started_runtime_put_its_cap_where_native_code_reads_it()
    {
        var cap = TestTorchRuntime.Start().OneDnn; // this assembly started it before any test (StartTorchRuntime)

        cap.Source.ShouldNotBe(OneDnnCapSource.ProbeFailed, cap.Reason);
        Marshal.PtrToStringUTF8(GetEnv(OneDnnInstructionSet.Variable)).ShouldBe(cap.MaxIsa);
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    [DllImport("libc", EntryPoint = "getenv")]
    private static extern nint GetEnv([MarshalAs(UnmanagedType.LPUTF8Str)] string name);
}
