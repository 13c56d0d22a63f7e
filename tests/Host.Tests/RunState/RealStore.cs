using AlexNet.Experiments.Application;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Jobs;
using AlexNet.Experiments.Domain.Storage;
using AlexNet.Experiments.Domain.Training;
using AlexNet.Experiments.Infrastructure.Storage;
using AlexNet.Experiments.Infrastructure.Torch;
using AlexNet.Experiments.Tests.Shared;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AlexNet.Experiments.Host.Tests.RunState;

/// <summary>
/// The real use cases on the real SQLite results store (a file in a temp folder) and its real compare-and-set. Only the heavy
/// work (preprocessing, training, evaluation) is a fake that can hold executions at a barrier, so two of them overlap for sure.
/// </summary>
public sealed class RealStore : IAsyncDisposable
{
    private readonly ServiceProvider provider;

    private RealStore(ServiceProvider provider, string dataDirectory)
    {
        this.provider = provider;
        DataDirectory = dataDirectory;
    }

    public string DataDirectory { get; }
    public ResultsStore Store => provider.GetRequiredService<ResultsStore>();
    public BarrierWork Work => provider.GetRequiredService<BarrierWork>();

    public static async Task<RealStore> CreateAsync(IJobScheduler scheduler)
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "alexnet-run-state", Guid.NewGuid().ToString("N"));
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddApplication().AddDatasetFormats().AddTorchBackend(TestTorchRuntime.Start()).AddSqliteStorage(dataDirectory);
        services.AddSingleton(scheduler);
        services.AddSingleton<BarrierWork>();
        services.RemoveAll<IDatasetPreprocessor>();
        services.RemoveAll<ITrainer>();
        services.RemoveAll<IEvaluator>();
        services.AddSingleton<IDatasetPreprocessor>(p => p.GetRequiredService<BarrierWork>());
        services.AddSingleton<ITrainer>(p => p.GetRequiredService<BarrierWork>());
        services.AddSingleton<IEvaluator>(p => p.GetRequiredService<BarrierWork>());
        var provider = services.BuildServiceProvider();
        await provider.MigrateResultsStoreAsync(CancellationToken.None);
        return new RealStore(provider, dataDirectory);
    }

    public async Task<TResponse> SendAsync<TResponse>(ICommand<TResponse> command)
    {
        await using var scope = provider.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IMediator>().Send(command);
    }

    /// <summary>A dataset, an experiment and its queued run, stored as a submission stores them.</summary>
    public async Task<Run> AddQueuedRunAsync(string hyperparametersJson = """{"epochs":2}""")
    {
        var dataset = new Dataset(Guid.NewGuid(), "shapes", "/nowhere", DatasetFormat.ImageFolder, DateTimeOffset.UnixEpoch);
        await Store.AddDatasetAsync(dataset, CancellationToken.None);
        var experiment = new Experiment(Guid.NewGuid(), "exp", dataset.Id, "quickstart", DateTimeOffset.UnixEpoch);
        var run = Run.Queue(experiment.Id, Application.Common.HyperparameterJson.FromJson(hyperparametersJson), DateTimeOffset.UtcNow.AddMinutes(-10));
        await Store.AddExperimentAsync(experiment, run, CancellationToken.None);
        return run;
    }

    public async ValueTask DisposeAsync()
    {
        await provider.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(DataDirectory, recursive: true);
    }
}

/// <summary>Preprocessing, training and evaluation that finish at once, after <see cref="Arrivals"/> executions have arrived.</summary>
public sealed class BarrierWork : IDatasetPreprocessor, ITrainer, IEvaluator
{
    private TaskCompletionSource all = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int arrived;

    /// <summary>How many executions must be inside the work before any of them may finish.</summary>
    public int Arrivals { get; set; } = 1;

    public int Calls => Volatile.Read(ref calls);
    private int calls;

    /// <summary>Set inside one execution: it fails once this gate opens, e.g. after its twin has advanced the run.</summary>
    public static readonly AsyncLocal<TaskCompletionSource?> FailWhenOpened = new();

    public async Task<PreprocessingPlan> PlanAsync(Dataset dataset, PreprocessingSettings settings, string storeRoot, IProgress<PreprocessingProgress>? progress, CancellationToken cancellationToken)
    {
        await ArriveAsync();
        var version = new DatasetVersion(
            "hash-" + dataset.Id.ToString("N"), dataset.Id, settings, ["a", "b", "c"], 30, 9, [], null,
            new ColourPca([3, 2, 1], [1, 0, 0, 0, 1, 0, 0, 0, 1]), Path.Combine(storeRoot, "x"), DateTimeOffset.UnixEpoch);
        return new PreprocessingPlan(version.ContentHash, 0, version);
    }

    public Task PreprocessShardAsync(Dataset dataset, string storeRoot, string contentHash, int shard, IProgress<PreprocessingProgress>? progress, CancellationToken cancellationToken) =>
        throw new NotSupportedException("Every version is planned as already published.");

    public Task<DatasetVersion> MergeAsync(Dataset dataset, string storeRoot, string contentHash, CancellationToken cancellationToken) =>
        throw new NotSupportedException("Every version is planned as already published.");

    public async Task<EpochOutcome?> TrainEpochAsync(TrainingRequest request, CancellationToken cancellationToken)
    {
        await ArriveAsync();
        Directory.CreateDirectory(request.CheckpointDirectory);
        var path = Path.Combine(request.CheckpointDirectory, $"epoch-{request.Epoch:D3}.ckpt");
        await File.WriteAllTextAsync(path, $"epoch {request.Epoch}", cancellationToken);
        return new EpochOutcome(
            new EpochMetrics(request.RunId, request.Epoch, 1.0 / request.Epoch, 0.5, 0.2, 1, 0.5, 0.2, request.LearningRate, 100, DateTimeOffset.UnixEpoch),
            path);
    }

    public async Task<EvaluationResult> EvaluateAsync(EvaluationRequest request, CancellationToken cancellationToken)
    {
        await ArriveAsync();
        return new EvaluationResult(request.RunId, EvaluationCrops.TenCrop, 9, 0.5, 0.25, 0, [1, 0.5, 0.75], [[3, 0, 0], [1, 2, 0], [0, 1, 2]], DateTimeOffset.UnixEpoch);
    }

    public void Reset(int arrivals)
    {
        Arrivals = arrivals;
        arrived = 0;
        calls = 0;
        all = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private async Task ArriveAsync()
    {
        Interlocked.Increment(ref calls);
        if (Interlocked.Increment(ref arrived) >= Arrivals)
        {
            all.TrySetResult();
        }

        await all.Task.WaitAsync(TimeSpan.FromSeconds(30));
        if (FailWhenOpened.Value is { } gate)
        {
            await gate.Task.WaitAsync(TimeSpan.FromSeconds(30));
            throw new InvalidOperationException("out of memory");
        }
    }
}

/// <summary>Records queued steps; every job counts as alive, so nothing here is reconciled.</summary>
public sealed class RecordingScheduler : IJobScheduler
{
    private int next;
    public System.Collections.Concurrent.ConcurrentQueue<RunStep> Enqueued { get; } = new();

    public string Enqueue(RunStep step, JobPlacement placement)
    {
        Enqueued.Enqueue(step);
        return $"job-{Interlocked.Increment(ref next)}";
    }

    public bool IsAlive(string jobId) => true;

    public void Abandon(string jobId) => throw new InvalidOperationException("Nothing is abandoned here.");
}
