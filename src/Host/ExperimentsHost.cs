using System.Text.Json.Serialization;
using AlexNet.Experiments.Application;
using AlexNet.Experiments.Application.Runs;
using AlexNet.Experiments.Host.Api;
using AlexNet.Experiments.Host.Jobs;
using AlexNet.Experiments.Infrastructure.Storage;
using AlexNet.Experiments.Infrastructure.Torch;
using Hangfire;
using Microsoft.AspNetCore.Http.Json;

namespace AlexNet.Experiments.Host;

/// <summary>The composition root: one web application serves the API, the dashboard and the job server; CLI verbs reuse it.</summary>
public static class ExperimentsHost
{
    public const string DefaultUrl = "http://localhost:5080";

    public static WebApplication Create(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        var dataDirectory = Path.GetFullPath(builder.Configuration["AlexNet:DataDirectory"] ?? "data");
        Directory.CreateDirectory(dataDirectory);
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        // Defaults in code: appsettings.json would be looked up in the caller's folder, not next to the binary.
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);

        builder.Services.AddSingleton(new RunStepOptions(TimeSpan.FromMinutes(builder.Configuration.GetValue("AlexNet:TrainingStepMinutes", 20.0)))
        {
            CheckpointRetention = builder.Configuration.GetValue("AlexNet:CheckpointRetention", CheckpointRetention.LastAndBest),
        });
        builder.Services
            .AddApplication()
            .AddTorchBackend()
            .AddSqliteStorage(dataDirectory);
        builder.Services.AddHostedService<StartupTasks>(); // before the job server, so the store is migrated first
        builder.Services.AddHangfireJobs(dataDirectory, builder.Configuration.GetValue("AlexNet:Workers", 1));

        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<ProblemDetailsMapping>();
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        builder.Services.Configure<JsonOptions>(options =>
        {
            options.SerializerOptions.Converters.Add(new JsonStringEnumConverter());
            options.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        });
        builder.Services.AddOpenApi();
        builder.Services.AddRazorPages();

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapOpenApi();
        // AppPath is the dashboard's "Back to site" link: the results pages.
        app.MapHangfireDashboard("/hangfire", new DashboardOptions { Authorization = [], IsReadOnlyFunc = _ => false, AppPath = "/", DashboardTitle = "AlexNet jobs" });
        app.MapDatasetEndpoints();
        app.MapExperimentEndpoints();
        app.MapRunEndpoints();
        app.MapModelEndpoints();
        app.MapPlotEndpoints();
        app.MapExportEndpoints();
        app.MapRazorPages();
        return app;
    }
}
