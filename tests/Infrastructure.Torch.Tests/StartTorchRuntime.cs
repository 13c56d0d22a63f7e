using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using AlexNet.Experiments.Tests.Shared;

namespace AlexNet.Experiments.Infrastructure.Torch.Tests;

/// <summary>These tests call libtorch themselves, so they start the runtime as the host does, before any of them runs.</summary>
internal static class StartTorchRuntime
{
    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255", Justification = "The test assembly's start-up: it must precede every test's first libtorch call.")]
    internal static void Start() => TestTorchRuntime.Start();
}
