using System.Text.Json.Serialization;
using AlexNet.Experiments.Application;
using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Application.Runs;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Jobs;
using AlexNet.Experiments.Host.Api;
using AlexNet.Experiments.Host.Cli;
using AlexNet.Experiments.Host.Jobs;
using AlexNet.Experiments.Infrastructure.Storage;
using AlexNet.Experiments.Infrastructure.Storage.Datasets;
using AlexNet.Experiments.Infrastructure.Storage.Datasets.Sources;
using AlexNet.Experiments.Infrastructure.Torch;
using Hangfire;
using Microsoft.AspNetCore.Http.Json;

namespace AlexNet.Experiments.Host;

/// <summary>
/// The composition root: one web application serves the API, the dashboard and the job server, or a part of them by
/// <see cref="HostTopology"/> (AlexNet:Role); CLI verbs reuse it. Configuration is read once, into <see cref="AlexNetSettings"/>.
/// </summary>
public static class ExperimentsHost
{
    public const string DefaultUrl = "http://localhost:5080";

    public static WebApplication Create(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        var settings = AlexNetSettings.From(builder.Configuration);
        var topology = HostTopology.From(settings);
        var urls = AccessControl.ConfiguredUrls(builder.Configuration).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (urls.Count == 0)
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        AccessControl.EnsureSafeToListen(urls, settings.ApiKey);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestLineSize = UrlLimit.MaxRequestLineBytes);

        // Process-wide native settings, before the first libtorch call of every verb and role: nothing calls libtorch before
        // the host is built, and the Torch backend cannot be registered without them.
        var torchRuntime = TorchRuntime.Start(OneDnnProbeCommand.Guard(settings.OneDnnVerdictDirectory ?? settings.DataDirectory));

        Directory.CreateDirectory(settings.DataDirectory);
        Directory.CreateDirectory(topology.Storage.ArtifactDirectory);

        // Defaults in code: appsettings.json would be looked up in the caller's folder, not next to the binary.
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);

        // The default dataset root is created, so there is a folder to put datasets in.
        if (settings.DatasetRoots is [AlexNetSettings.DefaultDatasetRoot])
        {
            Directory.CreateDirectory(Path.Combine(settings.DataDirectory, AlexNetSettings.DefaultDatasetRoot));
        }

        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(new DatasetSourceOptions(settings.DataDirectory, settings.DatasetRoots));
        builder.Services.AddSingleton(new RunStepOptions(TimeSpan.FromMinutes(settings.TrainingStepMinutes))
        {
            CheckpointRetention = settings.CheckpointRetention,
            StepMetricsBatches = settings.StepMetricsBatches,
        });
        builder.Services.AddSingleton(topology);
        builder.Services
            .AddApplication()
            .AddDatasetFormats(settings.ImagesPerShard)
            .AddTorchBackend(torchRuntime)
            .AddStorage(topology.Storage);
        builder.Services.AddSingleton<IResourceBudget>(new MachineResourceBudget(settings.MemoryBudgetBytes, settings.DiskBudgetBytes, topology.Storage.ArtifactDirectory));
        builder.Services.AddHostedService<StartupTasks>(); // before the job server, so the store is migrated first
        builder.Services.AddHangfireJobs(topology.Storage, settings.Workers, topology.Queues, topology.RunsJobs);
        if (topology.RunsJobs)
        {
            builder.Services.AddHostedService<PeriodicReconciliation>();
        }

        if (!topology.ServesHttp)
        {
            builder.Services.AddSingleton<Microsoft.AspNetCore.Hosting.Server.IServer, NoHttpServer>();
        }

        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<ProblemDetailsMapping>();
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        builder.Services.Configure<JsonOptions>(options =>
        {
            options.SerializerOptions.Converters.Add(new JsonStringEnumConverter(allowIntegerValues: false));
            options.SerializerOptions.Converters.Add(new StrictJsonObjectConverter());
            options.SerializerOptions.Converters.Add(new NonFiniteAsNull());
            options.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
            options.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
            options.SerializerOptions.AllowDuplicateProperties = false;
            options.SerializerOptions.MaxDepth = JsonErrors.MaxDepth;
            RequestBodyAttribute.RefuseNullFields(options.SerializerOptions);
        });
        builder.Services.AddAntiforgery(); // Hangfire's dashboard then requires an anti-forgery token on every POST
        builder.Services.AddOpenApi(options => options.DescribeRequestBodies());
        builder.Services.AddRazorPages();

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseApiKey(settings.ApiKey);
        app.UseUrlLimit();
        app.UseRequestBodyLimit();
        app.MapOpenApi();
        // AppPath is the dashboard's "Back to site" link: the results pages.
        // Every request that gets this far carries the key when one is configured; without a key nobody is authenticated.
        bool authenticated = !string.IsNullOrEmpty(settings.ApiKey);
        app.MapHangfireDashboard("/hangfire", new DashboardOptions { Authorization = [], IsReadOnlyFunc = _ => !authenticated, AppPath = "/", DashboardTitle = "AlexNet jobs" });
        app.MapDatasetEndpoints();
        app.MapExperimentEndpoints();
        app.MapRunEndpoints();
        app.MapModelEndpoints();
        app.MapPresetEndpoints();
        app.MapPlotEndpoints();
        app.MapExportEndpoints();
        app.MapRetrievalEndpoints();
        app.MapStudyEndpoints();
        app.MapRuntimeEndpoints();
        app.MapRazorPages();
        return app;
    }
}
