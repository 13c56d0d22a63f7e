using AlexNet.Experiments.Tests.Shared;
using System.Diagnostics;
using AlexNet.Experiments.Application.Runs.ReconcileRuns;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Jobs;
using AlexNet.Experiments.Host.Jobs;
using Hangfire;
using Hangfire.Server;
using Hangfire.States;
using Hangfire.Storage.SQLite;

namespace AlexNet.Experiments.Host.Tests.RunState;

/// <summary>
/// Start-up reconciliation on real Hangfire SQLite job storage and the real results store: a job left "Processing" by a server
/// whose process is gone is replaced at once, even though that server's last heartbeat is seconds old; a job on a live server
/// is left alone.
/// </summary>
public sealed class HangfireReconciliationTests : IAsyncLifetime
{
    private readonly string hangfirePath = Path.Combine(Path.GetTempPath(), "alexnet-run-state", Guid.NewGuid().ToString("N") + "-hangfire.db");
    private SQLiteStorage storage = null!;
    private HangfireJobScheduler scheduler = null!;
    private RealStore harness = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(hangfirePath)!);
        // Hangfire logs through a static provider; a host test before this one may have left it on its disposed logger factory.
        Hangfire.Logging.LogProvider.SetCurrentLogProvider(new SilentLogProvider());
        storage = new SQLiteStorage(hangfirePath, new SQLiteStorageOptions());
        scheduler = new HangfireJobScheduler(new BackgroundJobClient(storage), storage, TimeProvider.System);
        harness = await RealStore.CreateAsync(scheduler);
    }

    public async Task DisposeAsync()
    {
        await harness.DisposeAsync();
        storage.Dispose();
        File.Delete(hangfirePath);
    }

    /// <summary>A run in its first training epoch whose job a server has fetched and is (or was) processing.</summary>
    private async Task<(Run Run, string JobId)> RunProcessingOnAsync(string serverId)
    {
        var queued = await harness.AddQueuedRunAsync();
        var training = queued.With(status: RunStatus.Training, updatedAt: DateTimeOffset.UtcNow.AddMinutes(-5));
        (await harness.Store.TryAdvanceRunAsync(queued, training, CancellationToken.None)).ShouldBeTrue();
        var jobId = scheduler.Enqueue(new RunStep(queued.Id, RunStepKind.TrainEpoch, 1), new JobPlacement(WorkQueues.TrainCpu, 1));
        await harness.Store.SetRunJobAsync(queued.Id, jobId, CancellationToken.None);
        new BackgroundJobClient(storage).ChangeState(jobId, new ProcessingOn(serverId), EnqueuedState.StateName).ShouldBeTrue();
        return (training.With(currentJobId: jobId), jobId);
    }

    private void Announce(string serverId)
    {
        using var connection = storage.GetConnection();
        connection.AnnounceServer(serverId, new ServerContext { Queues = ["default"], WorkerCount = 1 });
        connection.Heartbeat(serverId);
    }

    private string State(string jobId)
    {
        using var connection = storage.GetConnection();
        return connection.GetStateData(jobId).Name;
    }

    [Fact]
    public async Task A_job_left_processing_by_a_dead_process_is_requeued_and_one_on_a_live_server_is_not()
    {
        // The crashed process's server: still listed, heartbeat fresh, but its process is gone.
        using var exited = Process.Start(new ProcessStartInfo("sleep", "60"))!;
        var startTicks = exited.StartTime.ToUniversalTime().Ticks;
        exited.Kill();
        await exited.WaitForExitAsync();
        var deadServer = ServerLiveness.ServerName(Environment.MachineName, exited.Id, startTicks).ToLowerInvariant() + ":" + Guid.NewGuid();
        var liveServer = ServerLiveness.LocalServerName.ToLowerInvariant() + ":" + Guid.NewGuid();
        Announce(deadServer);
        Announce(liveServer);
        var (orphan, orphanJob) = await RunProcessingOnAsync(deadServer);
        var (attended, attendedJob) = await RunProcessingOnAsync(liveServer);

        int requeued = await harness.SendAsync(new ReconcileRunsCommand(QuietPeriod: TimeSpan.Zero));

        requeued.ShouldBe(1);
        var replaced = (await harness.Store.GetRunAsync(orphan.Id, CancellationToken.None))!;
        replaced.CurrentJobId.ShouldNotBe(orphanJob);
        State(replaced.CurrentJobId!).ShouldBe(EnqueuedState.StateName);
        State(orphanJob).ShouldBe(DeletedState.StateName, "the dead job cannot be fetched again later and start a second chain");
        using (var connection = storage.GetConnection())
        {
            connection.GetJobData(replaced.CurrentJobId!).Job.Args[0].ShouldBe(new RunStep(orphan.Id, RunStepKind.TrainEpoch, 1));
        }

        (await harness.Store.GetRunAsync(attended.Id, CancellationToken.None))!.CurrentJobId.ShouldBe(attendedJob);
        State(attendedJob).ShouldBe(ProcessingState.StateName);

        // A second pass finds nothing more to do: no duplicate chain.
        (await harness.SendAsync(new ReconcileRunsCommand(QuietPeriod: TimeSpan.Zero))).ShouldBe(0);
    }

    [Fact]
    public async Task A_server_on_another_machine_is_judged_by_its_heartbeat()
    {
        var remote = "other-machine:" + Guid.NewGuid();
        Announce(remote);
        var (_, jobId) = await RunProcessingOnAsync(remote);

        scheduler.IsAlive(jobId).ShouldBeTrue();
        new HangfireJobScheduler(new BackgroundJobClient(storage), storage, new LaterClock(ServerLiveness.HeartbeatTimeout + TimeSpan.FromSeconds(1)))
            .IsAlive(jobId).ShouldBeFalse();
    }

    [Fact]
    public async Task A_real_server_names_its_process_so_its_jobs_count_as_alive()
    {
        using var server = new BackgroundJobServer(new BackgroundJobServerOptions { ServerName = ServerLiveness.LocalServerName, Queues = ["none"] }, storage);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        string? serverId = null;
        while (serverId is null && DateTime.UtcNow < deadline)
        {
            serverId = storage.GetMonitoringApi().Servers().FirstOrDefault()?.Name;
            await Task.Delay(50);
        }

        serverId.ShouldNotBeNull();
        var (_, jobId) = await RunProcessingOnAsync(serverId);
        // Judged by the process, not the heartbeat: a clock far ahead does not make it dead.
        new HangfireJobScheduler(new BackgroundJobClient(storage), storage, new LaterClock(TimeSpan.FromDays(1))).IsAlive(jobId).ShouldBeTrue();
    }

    /// <summary>What a worker records when it starts a job (Hangfire's own ProcessingState cannot be built outside it).</summary>
    private sealed class ProcessingOn(string serverId) : IState
    {
        public string Name => ProcessingState.StateName;
        public string? Reason => null;
        public bool IsFinal => false;
        public bool IgnoreJobLoadException => false;

        public Dictionary<string, string> SerializeData() => new()
        {
            ["StartedAt"] = Hangfire.Common.JobHelper.SerializeDateTime(DateTime.UtcNow),
            ["ServerId"] = serverId,
            ["WorkerId"] = "worker-1",
        };
    }

    private sealed class SilentLogProvider : Hangfire.Logging.ILogProvider, Hangfire.Logging.ILog
    {
        public Hangfire.Logging.ILog GetLogger(string name) => this;

        public bool Log(Hangfire.Logging.LogLevel logLevel, Func<string>? messageFunc, Exception? exception = null) => false;
    }

    private sealed class LaterClock(TimeSpan ahead) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => DateTimeOffset.UtcNow + ahead;
    }
}
