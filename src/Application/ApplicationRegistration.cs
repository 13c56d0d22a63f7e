using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Application.Runs;
using AlexNet.Experiments.Application.Runs.Steps;
using FluentValidation;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AlexNet.Experiments.Application;

public static class ApplicationRegistration
{
    public static IServiceCollection AddApplication(this IServiceCollection services)
    {
        services.AddMediator((MediatorOptions options) =>
        {
            options.ServiceLifetime = ServiceLifetime.Scoped;
            options.PipelineBehaviors = [typeof(ValidationBehavior<,>)];
        });
        services.AddValidatorsFromAssembly(typeof(ApplicationRegistration).Assembly, ServiceLifetime.Scoped, includeInternalTypes: false);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<RunProgressBoard>();
        services.AddSingleton<RunCancellations>();
        services.AddSingleton<StepCurves>();
        services.AddSingleton<Retrieval.FeatureExtractionBoard>();
        services.TryAddSingleton(RunStepOptions.Default);
        services.AddScoped<RunStepQueue>();
        services.AddScoped<Retrieval.TrainedRuns>();
        services.AddRunSteps();
        return services;
    }

    /// <summary>A run's life: the executor of each step kind and what they share.</summary>
    private static void AddRunSteps(this IServiceCollection services)
    {
        services.AddScoped<RunClaims>();
        services.AddScoped<RunControl>();
        services.AddScoped<LiveFigures>();
        services.AddScoped<RunDatasets>();
        services.AddScoped<RunCheckpoints>();
        services.AddScoped<StepProgress>();
        services.AddScoped<VersionWaiters>();
        services.AddScoped<PreprocessingCompletion>();
        services.AddScoped<RunStepEndings>();
        services.AddScoped<IRunStepExecutor, PlanPreprocessingStep>();
        services.AddScoped<IRunStepExecutor, PreprocessShardStep>();
        services.AddScoped<IRunStepExecutor, MergePreprocessingStep>();
        services.AddScoped<IRunStepExecutor, TrainEpochStep>();
        services.AddScoped<IRunStepExecutor, EvaluateStep>();
    }
}
