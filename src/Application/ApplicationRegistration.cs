using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Application.Runs;
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
        services.AddSingleton<Retrieval.FeatureExtractionBoard>();
        services.TryAddSingleton(RunStepOptions.Default);
        return services;
    }
}
