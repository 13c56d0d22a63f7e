using AlexNet.Experiments.Application.Runs.GetRun;
using AlexNet.Experiments.Application.Runs.GetRunMetrics;
using AlexNet.Experiments.Application.Runs.ReproduceRun;
using AlexNet.Experiments.Domain.Training;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AlexNet.Experiments.Host.Api;

public static class RunEndpoints
{
    public static RouteGroupBuilder MapRunEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/runs").WithTags("Runs");
        group.MapGet("/{runId:guid}", Get).WithSummary("A run: status, resolved hyperparameters, reproducibility record, evaluation, artifacts");
        group.MapGet("/{runId:guid}/metrics", Metrics).WithSummary("Per-epoch loss, top-1/top-5 errors, learning rate and images/s");
        group.MapPost("/{runId:guid}/reproduce", Reproduce).WithSummary("Queue a new run of the same experiment from this run's recorded hyperparameters");
        return group;
    }

    private static async Task<Results<Ok<RunDetails>, NotFound>> Get(Guid runId, IMediator mediator, CancellationToken cancellationToken) =>
        await mediator.Send(new GetRunQuery(runId), cancellationToken) is { } details ? TypedResults.Ok(details) : TypedResults.NotFound();

    private static async Task<Accepted<QueuedRun>> Reproduce(Guid runId, IMediator mediator, CancellationToken cancellationToken)
    {
        var queued = await mediator.Send(new ReproduceRunCommand(runId), cancellationToken);
        return TypedResults.Accepted($"/api/runs/{queued.RunId}", queued);
    }

    private static async Task<Results<Ok<IReadOnlyList<EpochMetrics>>, NotFound>> Metrics(Guid runId, IMediator mediator, CancellationToken cancellationToken) =>
        await mediator.Send(new GetRunMetricsQuery(runId), cancellationToken) is { } metrics ? TypedResults.Ok(metrics) : TypedResults.NotFound();
}
