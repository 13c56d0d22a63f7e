using AlexNet.Experiments.Application.Runs.CompareRuns;
using AlexNet.Experiments.Application.Runs.GetRun;
using AlexNet.Experiments.Application.Runs.GetRunMetrics;
using AlexNet.Experiments.Application.Runs.ReproduceRun;
using AlexNet.Experiments.Application.Runs.SearchRuns;
using AlexNet.Experiments.Domain.Training;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AlexNet.Experiments.Host.Api;

/// <param name="Status">Run statuses, repeated or comma-separated.</param>
/// <param name="Filter">Conditions name&lt;op&gt;value, repeated: a hyperparameter's JSON path (model.lrn.enabled=false,
/// optimizer.learningRate&gt;=0.001) or a final metric (validationTop1Error&lt;0.4). Ops: = != &lt; &lt;= &gt; &gt;=.</param>
/// <param name="Tag">Tags the run must all carry, repeated.</param>
/// <param name="Q">Text in the run's note or its experiment's name, any case.</param>
/// <param name="OrderBy">createdAt (default), updatedAt, epochsCompleted or a metric name.</param>
/// <param name="Direction">asc or desc; default desc for times, asc for metrics.</param>
/// <param name="Page">1-based page number.</param>
/// <param name="Limit">Runs per page, 1 to 500 (default 50).</param>
public sealed record SearchRunsRequest(
    string[]? Status, Guid? ExperimentId, Guid? DatasetId, string[]? Filter, string[]? Tag, string? Q, string? OrderBy, string? Direction, int? Page, int? Limit)
{
    public SearchRunsQuery ToQuery() => new()
    {
        Status = Split(Status),
        ExperimentId = ExperimentId,
        DatasetId = DatasetId,
        Filter = Filter ?? [],
        Tag = Tag ?? [],
        Q = Q,
        OrderBy = OrderBy,
        Direction = Direction,
        Page = Page ?? 1,
        Limit = Limit ?? 50,
    };

    private static string[] Split(string[]? values) =>
        (values ?? []).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();
}

public static class RunEndpoints
{
    public static RouteGroupBuilder MapRunEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/runs").WithTags("Runs");
        group.MapGet("/", Search).ProducesValidationProblem()
            .WithSummary("Search runs: status, experimentId, datasetId, filter=<hyperparameter path or metric><op><value>, tag, q; orderBy, direction, page, limit");
        group.MapGet("/compare", Compare).ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Runs side by side (ids=a,b,c): the hyperparameters that differ, final metrics, each run's metric history");
        group.MapGet("/{runId:guid}", Get).WithSummary("A run: status, resolved hyperparameters, reproducibility record, evaluation, artifacts");
        group.MapGet("/{runId:guid}/metrics", Metrics).WithSummary("Per-epoch loss, top-1/top-5 errors, learning rate and images/s");
        group.MapPost("/{runId:guid}/reproduce", Reproduce).WithSummary("Queue a new run of the same experiment from this run's recorded hyperparameters");
        return group;
    }

    private static async Task<Ok<RunList>> Search([AsParameters] SearchRunsRequest request, IMediator mediator, CancellationToken cancellationToken) =>
        TypedResults.Ok(await mediator.Send(request.ToQuery(), cancellationToken));

    private static async Task<Ok<RunComparison>> Compare(string? ids, IMediator mediator, CancellationToken cancellationToken) =>
        TypedResults.Ok(await mediator.Send(
            new CompareRunsQuery((ids ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)), cancellationToken));

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
