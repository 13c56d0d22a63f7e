using AlexNet.Experiments.Host.Cli;
using AlexNet.Experiments.Infrastructure.Torch;

namespace AlexNet.Experiments.Tests.Shared;

/// <summary>
/// A test process starts the runtime as the host does, probing oneDNN through the host's hidden verb, with its verdict kept
/// in one folder for every test process of the machine (a test's own data folder is gone when the next starts).
/// </summary>
internal static class TestTorchRuntime
{
    public static readonly string VerdictFolder = Path.Combine(Path.GetTempPath(), "alexnet-experiments-tests");

    public static TorchRuntimeSetup Start() => TorchRuntime.Start(OneDnnProbeCommand.Guard(VerdictFolder));
}
