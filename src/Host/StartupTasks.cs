using AlexNet.Experiments.Application.Runs.ReconcileRuns;
using AlexNet.Experiments.Domain.Training;
using AlexNet.Experiments.Infrastructure.Storage;
using Mediator;

namespace AlexNet.Experiments.Host;

/// <summary>Runs before the Hangfire server starts: migrate the results store, log devices, requeue orphaned runs.</summary>
public sealed partial class StartupTasks(IServiceProvider services, IRuntimeEnvironment runtime, ILogger<StartupTasks> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await services.MigrateResultsStoreAsync(cancellationToken);
        LogDevices(string.Join(", ", runtime.AvailableDevices));

        await using var scope = services.CreateAsyncScope();
        int requeued = await scope.ServiceProvider.GetRequiredService<IMediator>().Send(new ReconcileRunsCommand(QuietPeriod: TimeSpan.Zero), cancellationToken);
        if (requeued > 0)
        {
            LogRequeued(requeued);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(LogLevel.Information, "Devices available for training: {Devices}")]
    private partial void LogDevices(string devices);

    [LoggerMessage(LogLevel.Warning, "Requeued {Count} runs that were in progress with no live job (their process died, or their job was lost)")]
    private partial void LogRequeued(int count);
}
