using System.Text.Json.Serialization;
using AlexNet.Experiments.Application;
using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Application.Runs;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Jobs;
using AlexNet.Experiments.Host.Api;
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
/// <see cref="HostTopology"/> (AlexNet:Role); CLI verbs reuse it.
/// </summary>
public static class ExperimentsHost
{
    public const string DefaultUrl = "http://localhost:5080";

    public static WebApplication Create(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        var dataDirectory = Path.GetFullPath(builder.Configuration["AlexNet:DataDirectory"] ?? "data");
        Directory.CreateDirectory(dataDirectory);
        var topology = HostTopology.From(builder.Configuration, dataDirectory);
        Directory.CreateDirectory(topology.Storage.ArtifactDirectory);
        var urls = AccessControl.ConfiguredUrls(builder.Configuration).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (urls.Count == 0)
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        string? apiKey = builder.Configuration[AccessControl.KeySetting];
        AccessControl.EnsureSafeToListen(urls, apiKey);

        // Defaults in code: appsettings.json would be looked up in the caller's folder, not next to the binary.
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);

        var datasetRoots = DatasetRoots(builder.Configuration);
        if (datasetRoots is ["sources"])
        {
            Directory.CreateDirectory(Path.Combine(dataDirectory, "sources"));
        }

        builder.Services.AddSingleton(new DatasetSourceOptions(dataDirectory, datasetRoots));
        builder.Services.AddSingleton(new RunStepOptions(TimeSpan.FromMinutes(builder.Configuration.GetValue("AlexNet:TrainingStepMinutes", 20.0)))
        {
            CheckpointRetention = builder.Configuration.GetValue("AlexNet:CheckpointRetention", CheckpointRetention.LastAndBest),
        });
        builder.Services.AddSingleton(topology);
        builder.Services
            .AddApplication()
            .AddDatasetFormats(builder.Configuration.GetValue("AlexNet:ImagesPerShard", DatasetPreprocessor.DefaultImagesPerShard))
            .AddTorchBackend()
            .AddStorage(topology.Storage);
        builder.Services.AddSingleton<IResourceBudget>(new MachineResourceBudget(builder.Configuration, topology.Storage.ArtifactDirectory));
        builder.Services.AddHostedService<StartupTasks>(); // before the job server, so the store is migrated first
        builder.Services.AddHangfireJobs(topology.Storage, builder.Configuration.GetValue("AlexNet:Workers", 1), topology.Queues, topology.RunsJobs);
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
        });
        builder.Services.AddAntiforgery(); // Hangfire's dashboard then requires an anti-forgery token on every POST
        builder.Services.AddOpenApi();
        builder.Services.AddRazorPages();

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseApiKey(apiKey);
        app.UseRequestBodyLimit();
        app.MapOpenApi();
        // AppPath is the dashboard's "Back to site" link: the results pages.
        // Every request that gets this far carries the key when one is configured; without a key nobody is authenticated.
        bool authenticated = !string.IsNullOrEmpty(apiKey);
        app.MapHangfireDashboard("/hangfire", new DashboardOptions { Authorization = [], IsReadOnlyFunc = _ => !authenticated, AppPath = "/", DashboardTitle = "AlexNet jobs" });
        app.MapDatasetEndpoints();
        app.MapExperimentEndpoints();
        app.MapRunEndpoints();
        app.MapModelEndpoints();
        app.MapPlotEndpoints();
        app.MapExportEndpoints();
        app.MapRetrievalEndpoints();
        app.MapStudyEndpoints();
        app.MapRazorPages();
        return app;
    }

    // AlexNet:DatasetRoots as a list or one string of paths separated by the platform's path separator; relative roots
    // resolve against the data directory. Default: <data directory>/sources.
    private static string[] DatasetRoots(IConfiguration configuration) =>
        configuration.GetList("AlexNet:DatasetRoots", Path.PathSeparator) is { Length: > 0 } roots ? roots : ["sources"];
}
