using System.Text.Json.Nodes;
using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Application.Models.DescribeModel;
using AlexNet.Experiments.Domain.Training;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AlexNet.Experiments.Host.Api;

[RequestBody]
public sealed record DescribeModelRequest(string? Preset, JsonObject? Hyperparameters, int? ClassCount);

public static class ModelEndpoints
{
    public static RouteGroupBuilder MapModelEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/models").WithTags("Models");
        group.MapPost("/summary", Describe).WithSummary("Per-layer output shape, parameter count and device for a preset plus overrides (default 1000 classes)");
        return group;
    }

    private static async Task<Ok<ModelSummary>> Describe(DescribeModelRequest request, IMediator mediator, CancellationToken cancellationToken) =>
        TypedResults.Ok(await mediator.Send(
            new DescribeModelQuery(request.Preset ?? HyperparameterPresets.Paper2012, request.Hyperparameters, request.ClassCount ?? 1000), cancellationToken));
}
