using AlexNet.Experiments.Domain.Training;
using AlexNet.Experiments.Host.Jobs;
using AlexNet.Experiments.Infrastructure.Storage;
using AlexNet.Experiments.Infrastructure.Torch;

namespace AlexNet.Experiments.Host;

/// <summary>
/// Runs before the Hangfire server starts: migrate the results store, log the torch runtime and the devices, requeue orphaned
/// runs where jobs run.
/// </summary>
public sealed partial class StartupTasks(
    IServiceProvider services, IRuntimeEnvironment runtime, TorchRuntimeSetup torchRuntime, HostTopology topology, ILogger<StartupTasks> logger)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await services.MigrateResultsStoreAsync(cancellationToken);
        LogTorchRuntime(torchRuntime);
        LogDevices(string.Join(", ", runtime.AvailableDevices));

        if (!topology.RunsJobs)
        {
            return;
        }

        int requeued = await ReconciliationLock.RunAsync(services, topology.StartupQuietPeriod, cancellationToken);
        if (requeued > 0)
        {
            LogRequeued(requeued);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(LogLevel.Information, "Torch runtime: {Runtime}")]
    private partial void LogTorchRuntime(TorchRuntimeSetup runtime);

    [LoggerMessage(LogLevel.Information, "Devices available for training: {Devices}")]
    private partial void LogDevices(string devices);

    [LoggerMessage(LogLevel.Warning, "Requeued {Count} runs that were in progress with no live job (their process died, or their job was lost)")]
    private partial void LogRequeued(int count);
}
