using AlexNet.Experiments.Application.Runs.CompareRuns;
using AlexNet.Experiments.Application.Runs.GetRun;
using AlexNet.Experiments.Application.Runs.GetRunCheckpoint;
using AlexNet.Experiments.Application.Runs.GetRunMetrics;
using AlexNet.Experiments.Application.Runs.GetRunSteps;
using AlexNet.Experiments.Domain.Training;
using AlexNet.Experiments.Host.Plots;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AlexNet.Experiments.Host.Api;

public static class PlotEndpoints
{
    public static RouteGroupBuilder MapPlotEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/runs").WithTags("Plots");
        group.MapGet("/{runId:guid}/plots/{name}.{format}", RunPlot)
            .WithSummary("A run's plot as svg or png: loss, top1, top5 (train and validation per epoch, train every few batches, learning-rate drops dotted), confusion, kernels (conv1, as in the paper's Figure 3)")
            .Produces(StatusCodes.Status200OK, contentType: "image/svg+xml", additionalContentTypes: ["image/png"])
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/compare/plots/{metric}.{format}", ComparePlot)
            .WithSummary("One metric (loss, top1, top5) of several runs overlaid: ?ids=<runId>,<runId>")
            .Produces(StatusCodes.Status200OK, contentType: "image/svg+xml", additionalContentTypes: ["image/png"])
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    private static async Task<Results<FileContentHttpResult, NotFound>> RunPlot(
        Guid runId, string name, string format, IMediator mediator, ICheckpointReader checkpoints, CancellationToken cancellationToken)
    {
        if (ParseFormat(format) is not { } plotFormat || !RunPlots.Names.Contains(name))
        {
            return TypedResults.NotFound();
        }

        switch (name)
        {
            case "confusion":
                var run = await mediator.Send(new GetRunQuery(runId), cancellationToken);
                return run?.Evaluation is { } evaluation
                    ? File(RunPlots.Render(RunPlots.Confusion(evaluation, run.DatasetVersion?.ClassNames ?? []), plotFormat, 700, 600), plotFormat)
                    : TypedResults.NotFound();
            case "kernels":
                if (await mediator.Send(new GetRunCheckpointQuery(runId), cancellationToken) is not { } checkpoint)
                {
                    return TypedResults.NotFound();
                }

                var (plot, width, height) = RunPlots.Kernels(await checkpoints.ReadFirstLayerKernelsAsync(checkpoint, cancellationToken));
                return File(RunPlots.Render(plot, plotFormat, width, height), plotFormat);
            default:
                if (await mediator.Send(new GetRunMetricsQuery(runId), cancellationToken) is not { } metrics)
                {
                    return TypedResults.NotFound();
                }

                var steps = await mediator.Send(new GetRunStepsQuery(runId), cancellationToken);
                return File(RunPlots.Render(RunPlots.Curve(name, metrics, steps?.Points ?? [], steps?.ImagesPerEpoch), plotFormat), plotFormat);
        }
    }

    /// <remarks>Bad or too few ids are a 400 naming ids, an unknown run a 404: both from the compare query, as for GET /api/runs/compare.</remarks>
    private static async Task<Results<FileContentHttpResult, NotFound>> ComparePlot(
        string metric, string format, string? ids, IMediator mediator, CancellationToken cancellationToken)
    {
        if (ParseFormat(format) is not { } plotFormat || !RunPlots.Metrics.Contains(metric))
        {
            return TypedResults.NotFound();
        }

        var comparison = await mediator.Send(
            new CompareRunsQuery((ids ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)), cancellationToken);
        var runs = comparison.Runs.Zip(comparison.History, (run, history) => ($"{run.ExperimentName} {run.Id.ToString()[..8]}", history.Epochs)).ToList();
        return File(RunPlots.Render(RunPlots.Compare(metric, runs), plotFormat), plotFormat);
    }

    private static PlotFormat? ParseFormat(string format) => format switch
    {
        "svg" => PlotFormat.Svg,
        "png" => PlotFormat.Png,
        _ => null,
    };

    private static FileContentHttpResult File(byte[] content, PlotFormat format) =>
        TypedResults.File(content, format == PlotFormat.Svg ? "image/svg+xml" : "image/png");
}
