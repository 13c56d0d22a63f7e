using AlexNet.Experiments.Application.Runs;
using AlexNet.Experiments.Application.Runs.Steps;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Jobs;
using AlexNet.Experiments.Domain.Storage;
using AlexNet.Experiments.Domain.Training;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AlexNet.Experiments.Application.Tests.Fakes;

/// <summary>The real application (Mediator, validators, handlers) with every port swapped for a fake.</summary>
public sealed class ApplicationHarness : IDisposable
{
    private readonly ServiceProvider provider;

    public ApplicationHarness(FakeRuntime? runtime = null, RunStepOptions? options = null)
    {
        var services = new ServiceCollection();
        if (options is not null)
        {
            services.AddSingleton(options);
        }

        services.AddApplication();
        services.AddSingleton(typeof(ILogger<>), typeof(NullLogger<>));
        services.AddSingleton<IDatasetStore>(Store);
        services.AddSingleton<IPreprocessingCoordination>(Store);
        services.AddSingleton<IExperimentStore>(Store);
        services.AddSingleton<IRunStore>(Store);
        services.AddSingleton<IRunProgressStore>(Store);
        services.AddSingleton<IRunMetricsStore>(Store);
        services.AddSingleton<IArtifactIndex>(Store);
        services.AddSingleton<IJobScheduler>(Scheduler);
        services.AddSingleton<IDatasetPreprocessor>(Preprocessor);
        services.AddSingleton<IDatasetSources>(Sources);
        services.AddSingleton<ISyntheticDatasetGenerator>(new FakeSyntheticDatasetGenerator());
        services.AddSingleton<ITrainer>(Trainer);
        services.AddSingleton<IEvaluator>(Evaluator);
        services.AddSingleton<IArtifactStore>(Artifacts);
        services.AddSingleton<IStepCurveExport>(Export = new FakeStepCurveExport(Store));
        services.AddSingleton<IRuntimeEnvironment>(runtime ?? new FakeRuntime());
        services.AddSingleton<IModelInspector>(new FakeModelInspector());
        services.AddSingleton<IResourceBudget>(Budget);
        provider = services.BuildServiceProvider(validateScopes: true);
    }

    public InMemoryResultsStore Store { get; } = new();
    public FakeArtifactStore Artifacts { get; } = new();
    public QueueingJobScheduler Scheduler { get; } = new();
    public FakePreprocessor Preprocessor { get; } = new();
    public FakeDatasetSources Sources { get; } = new();
    public FakeTrainer Trainer { get; } = new();
    public FakeEvaluator Evaluator { get; } = new();
    public FakeResourceBudget Budget { get; } = new();
    public FakeStepCurveExport Export { get; }

    public async Task<TResponse> SendAsync<TResponse>(IRequest<TResponse> request)
    {
        await using var scope = provider.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IMediator>().Send(request);
    }

    public async Task<TResponse> SendAsync<TResponse>(ICommand<TResponse> command)
    {
        await using var scope = provider.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IMediator>().Send(command);
    }

    public async Task<TResponse> SendAsync<TResponse>(IQuery<TResponse> query)
    {
        await using var scope = provider.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IMediator>().Send(query);
    }

    /// <summary>Runs queued steps the way a job server would, until none are left.</summary>
    public async Task DrainAsync()
    {
        while (Scheduler.Pending.TryPeek(out var job))
        {
            try
            {
                await SendAsync(new ExecuteRunStepCommand(job.Step));
            }
            finally
            {
                Scheduler.Pending.Dequeue();
            }
        }
    }

    public async Task<Dataset> AddDatasetAsync(string name = "shapes")
    {
        var dataset = new Dataset(Guid.NewGuid(), name, "/data/" + name, DatasetFormat.ImageFolder, DateTimeOffset.UnixEpoch);
        await Store.AddDatasetAsync(dataset, CancellationToken.None);
        return dataset;
    }

    public void Dispose() => provider.Dispose();
}
