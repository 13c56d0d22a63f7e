using System.CommandLine;
using AlexNet.Experiments.Infrastructure.Torch.OneDnn;

namespace AlexNet.Experiments.Host.Cli;

/// <summary>
/// The hidden verb the host starts itself with, before its own first libtorch call, to learn whether oneDNN computes float32
/// convolutions right uncapped on this CPU (see <see cref="OneDnnProbe"/>). It prints the result as one JSON line.
/// </summary>
public static class OneDnnProbeCommand
{
    public const string Name = "probe-onednn";

    public static Command Create()
    {
        var command = new Command(Name, "Checks oneDNN's float32 convolutions against float64, uncapped; prints the result as JSON") { Hidden = true };
        command.SetAction(_ => Console.WriteLine(OneDnnProbeProcess.Print(OneDnnProbe.Run())));
        return command;
    }

    /// <summary>
    /// This host's probe and verdicts: the probe runs this binary again, through the dotnet muxer when that is how this
    /// process runs (or when it is not the host's own, e.g. a test process), through the apphost otherwise.
    /// </summary>
    public static OneDnnGuard Guard(string dataDirectory)
    {
        string self = Environment.ProcessPath ?? "dotnet";
        bool underMuxer = string.Equals(Path.GetFileNameWithoutExtension(self), "dotnet", StringComparison.Ordinal);
        IReadOnlyList<string> commandLine = System.Reflection.Assembly.GetEntryAssembly() == typeof(Program).Assembly && !underMuxer
            ? [self, Name]
            : [Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? (underMuxer ? self : "dotnet"), typeof(Program).Assembly.Location, Name];
        return new OneDnnGuard(commandLine, dataDirectory);
    }
}
