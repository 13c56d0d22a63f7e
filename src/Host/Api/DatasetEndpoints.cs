using AlexNet.Experiments.Application.Datasets.DeleteDataset;
using AlexNet.Experiments.Application.Datasets.ListDatasets;
using AlexNet.Experiments.Application.Datasets.RegisterDataset;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Storage;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AlexNet.Experiments.Host.Api;

public sealed record RegisterDatasetRequest(string? Name, string? SourcePath);

public static class DatasetEndpoints
{
    public static RouteGroupBuilder MapDatasetEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/datasets").WithTags("Datasets");
        group.MapPost("/", Register).WithSummary("Register an image folder in the ImageNet layout (root/train/<class>, root/val/<class>)");
        group.MapGet("/", List);
        group.MapGet("/{datasetId:guid}", Get).ProducesProblem(StatusCodes.Status404NotFound);
        group.MapDelete("/{datasetId:guid}", Delete).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Unregister a dataset no experiment uses (409 otherwise); its source folder is left alone");
        return group;
    }

    private static async Task<Created<Dataset>> Register(RegisterDatasetRequest request, IMediator mediator, CancellationToken cancellationToken)
    {
        var dataset = await mediator.Send(new RegisterDatasetCommand(request.Name ?? "", request.SourcePath ?? ""), cancellationToken);
        return TypedResults.Created($"/api/datasets/{dataset.Id}", dataset);
    }

    private static async Task<NoContent> Delete(Guid datasetId, IMediator mediator, CancellationToken cancellationToken)
    {
        await mediator.Send(new DeleteDatasetCommand(datasetId), cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<Dataset>, NotFound>> Get(Guid datasetId, IResultsStore store, CancellationToken cancellationToken) =>
        await store.GetDatasetAsync(datasetId, cancellationToken) is { } dataset ? TypedResults.Ok(dataset) : TypedResults.NotFound();

    private static async Task<Ok<IReadOnlyList<Dataset>>> List(IMediator mediator, CancellationToken cancellationToken) =>
        TypedResults.Ok(await mediator.Send(new ListDatasetsQuery(), cancellationToken));
}
