using AlexNet.Experiments.Application.Common;

namespace AlexNet.Experiments.Application.Tests;

public sealed class FailureReasonTests
{
    [Fact]
    public void Libtorch_errors_lose_their_cpp_frames()
    {
        var error = new ExternalException(
            "[enforce fail at alloc_cpu.cpp:117] data. DefaultCPUAllocator: not enough memory: you tried to allocate 64424509440 bytes.\n" +
            "Exception raised from alloc_cpu at /pytorch/c10/core/impl/alloc_cpu.cpp:117 (most recent call first):\n" +
            "frame #0: c10::Error::Error(c10::SourceLocation, std::string) + 0x9c (0x7f in libc10.so)\n" +
            "frame #1: <unknown function> + 0x2d3e1 (0x7f in libc10.so)");

        var reason = FailureReason.From(error);

        reason.ShouldBe("[enforce fail at alloc_cpu.cpp:117] data. DefaultCPUAllocator: not enough memory: you tried to allocate 64424509440 bytes.");
    }

    [Fact]
    public void A_wrapper_gives_way_to_the_exception_it_carries_and_long_reasons_are_cut()
    {
        var wrapped = new TypeInitializationException("TorchSharp.torch", new InvalidOperationException(new string('x', 1000)));

        var reason = FailureReason.From(wrapped);

        reason.Length.ShouldBe(FailureReason.MaxLength);
        reason.ShouldStartWith("xxx");
        reason.ShouldNotContain("TorchSharp");
    }

    private sealed class ExternalException(string message) : Exception(message);
}
