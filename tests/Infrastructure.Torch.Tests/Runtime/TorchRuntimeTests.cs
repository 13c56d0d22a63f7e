using AlexNet.Experiments.Infrastructure.Torch.OneDnn;
using AlexNet.Experiments.Tests.Shared;
using TorchSharp;

namespace AlexNet.Experiments.Infrastructure.Torch.Tests.Runtime;

public sealed class TorchRuntimeTests
{
    [Fact]
    public void Starting_again_changes_nothing_and_answers_what_the_first_start_chose() =>
        TestTorchRuntime.Start().ShouldBeSameAs(TorchRuntime.Start(new OneDnnGuard(["/nonexistent"], "/nonexistent")));

    [Fact]
    public void It_reports_libtorchs_threads_and_the_allocator_settings_it_made()
    {
        var setup = TestTorchRuntime.Start();

        setup.LibTorchVersion.ShouldBe(torch.__version__);
        setup.IntraOpThreads.ShouldBeGreaterThan(0);
        setup.KernelWorkers.ShouldBe(Environment.ProcessorCount);
        setup.Allocator.ShouldBe(new NativeHeapSettings(MmapThresholdBytes: 32 << 20, TrimThresholdBytes: int.MaxValue, TopPadBytes: 64 << 20));
    }

    [Fact]
    public void Its_description_is_one_line_naming_each_choice()
    {
        var setup = new TorchRuntimeSetup("2.10.0", 2, 2, new OneDnnCap(null, OneDnnCapSource.Probe, "the probe found all 82 float32 convolutions right uncapped (probed 2026-12-08 00:10 UTC)"), NativeHeap.KeepingFreedMemory);

        setup.ToString().ShouldBe(
            "libtorch 2.10.0, 2 intra-op threads, kernel workers up to 2; oneDNN uncapped: the probe found all 82 float32 convolutions right uncapped (probed 2026-12-08 00:10 UTC); " +
            "malloc keeps freed memory until a step ends (mmap threshold 32 MiB, trim threshold never, top pad 64 MiB)");
        (setup with { OneDnn = new OneDnnCap("AVX512_CORE", OneDnnCapSource.User, "yours"), Allocator = null }).ToString().ShouldBe(
            "libtorch 2.10.0, 2 intra-op threads, kernel workers up to 2; ONEDNN_MAX_CPU_ISA=AVX512_CORE: yours; malloc defaults");
    }
}
