using System.Text.Json.Nodes;
using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Application.Experiments.DeleteExperiment;
using AlexNet.Experiments.Application.Experiments.EstimateExperiment;
using AlexNet.Experiments.Application.Experiments.GetExperiment;
using AlexNet.Experiments.Application.Experiments.ListExperiments;
using AlexNet.Experiments.Application.Experiments.SubmitExperiment;
using AlexNet.Experiments.Domain.Storage;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AlexNet.Experiments.Host.Api;

/// <param name="Hyperparameters">Fields to override on the preset, e.g. { "epochs": 3, "model": { "dropout": 0.3 } }.</param>
[RequestBody(Required = ["name", "datasetId"])]
public sealed record SubmitExperimentRequest(string? Name, Guid? DatasetId, string? Preset, JsonObject? Hyperparameters);

/// <param name="Hyperparameters">Fields to override on the preset, as in a submission.</param>
[RequestBody(Required = ["datasetId"])]
public sealed record EstimateExperimentRequest(Guid? DatasetId, string? Preset, JsonObject? Hyperparameters);

public static class ExperimentEndpoints
{
    public static RouteGroupBuilder MapExperimentEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/experiments").WithTags("Experiments");
        group.MapPost("/", Submit).WithSummary("Submit an experiment: a preset plus hyperparameter overrides. Queues preprocess, training and evaluation.");
        group.MapPost("/estimate", Estimate).ProducesValidationProblem()
            .WithSummary("The memory and disk a submission of these settings would need, and this machine's budgets; stores nothing");
        group.MapGet("/", List);
        group.MapGet("/{experimentId:guid}", Get);
        group.MapDelete("/{experimentId:guid}", Delete).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Delete the experiment, its runs and their files (409 while one of its runs is queued or running)");
        return group;
    }

    private static async Task<Accepted<SubmittedExperiment>> Submit(SubmitExperimentRequest request, IMediator mediator, CancellationToken cancellationToken)
    {
        var command = new SubmitExperimentCommand(
            request.Name ?? "", request.DatasetId ?? Guid.Empty, request.Preset ?? HyperparameterPresets.Quickstart, request.Hyperparameters);
        var submitted = await mediator.Send(command, cancellationToken);
        return TypedResults.Accepted($"/api/runs/{submitted.RunId}", submitted);
    }

    private static async Task<Ok<ExperimentEstimate>> Estimate(EstimateExperimentRequest request, IMediator mediator, CancellationToken cancellationToken) =>
        TypedResults.Ok(await mediator.Send(
            new EstimateExperimentQuery(request.DatasetId ?? Guid.Empty, request.Preset ?? HyperparameterPresets.Quickstart, request.Hyperparameters),
            cancellationToken));

    private static async Task<Ok<IReadOnlyList<ExperimentSummary>>> List(IMediator mediator, CancellationToken cancellationToken) =>
        TypedResults.Ok(await mediator.Send(new ListExperimentsQuery(), cancellationToken));

    private static async Task<NoContent> Delete(Guid experimentId, IMediator mediator, CancellationToken cancellationToken)
    {
        await mediator.Send(new DeleteExperimentCommand(experimentId), cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<ExperimentDetails>, NotFound>> Get(Guid experimentId, IMediator mediator, CancellationToken cancellationToken) =>
        await mediator.Send(new GetExperimentQuery(experimentId), cancellationToken) is { } details ? TypedResults.Ok(details) : TypedResults.NotFound();
}
