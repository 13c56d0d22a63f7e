using AlexNet.Experiments.Application.Datasets.DeleteDataset;
using AlexNet.Experiments.Application.Datasets.GetDataset;
using AlexNet.Experiments.Application.Datasets.GetDatasetSample;
using AlexNet.Experiments.Application.Datasets.GetMeanImage;
using AlexNet.Experiments.Application.Datasets.ListDatasets;
using AlexNet.Experiments.Application.Datasets.ListDatasetSources;
using AlexNet.Experiments.Application.Datasets.RegisterDataset;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Storage;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AlexNet.Experiments.Host.Api;

[RequestBody(Required = ["name", "sourcePath"])]
public sealed record RegisterDatasetRequest(string? Name, string? SourcePath, DatasetFormat Format = DatasetFormat.ImageFolder);

public static class DatasetEndpoints
{
    public static RouteGroupBuilder MapDatasetEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/datasets").WithTags("Datasets");
        group.MapPost("/", Register).WithSummary(
            "Register a folder under a configured dataset root, in a format: ImageFolder (default), Ilsvrc, Idx, Cifar10 or Cifar100. The same folder and format again returns the existing dataset (200).");
        group.MapGet("/", List);
        group.MapGet("/{datasetId:guid}", Get).ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("A dataset with its preprocessed versions and the files each skipped, with the reason");
        group.MapDelete("/{datasetId:guid}", Delete).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Unregister a dataset no experiment uses (409 otherwise); its source folder is left alone");
        group.MapGet("/sources", Sources)
            .WithSummary("The folders directly under the configured dataset roots, each with the format its layout matches and the dataset registered from it, if any");
        group.MapGet("/{datasetId:guid}/samples/{classIndex:int}/{k:int}.png", Sample)
            .WithSummary($"Training image k (0 to {SourceContents.MaxSamplesPerClass - 1}) of a class of the source, decoded by the project and centre-cropped to at most {SourceContents.SampleSize} px, as PNG")
            .Produces(StatusCodes.Status200OK, contentType: "image/png").ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/{datasetId:guid}/versions/{contentHash}/mean.png", MeanImage)
            .WithSummary("The mean training image of a preprocessed version, as PNG")
            .Produces(StatusCodes.Status200OK, contentType: "image/png").ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    private static async Task<Results<Created<Dataset>, Ok<Dataset>>> Register(RegisterDatasetRequest request, IMediator mediator, CancellationToken cancellationToken)
    {
        var registered = await mediator.Send(
            new RegisterDatasetCommand(request.Name ?? "", request.SourcePath ?? "", request.Format), cancellationToken);
        return registered.Existing ? TypedResults.Ok(registered.Dataset) : TypedResults.Created($"/api/datasets/{registered.Dataset.Id}", registered.Dataset);
    }

    private static async Task<NoContent> Delete(Guid datasetId, IMediator mediator, CancellationToken cancellationToken)
    {
        await mediator.Send(new DeleteDatasetCommand(datasetId), cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<IReadOnlyList<Dataset>>> List(IMediator mediator, CancellationToken cancellationToken) =>
        TypedResults.Ok(await mediator.Send(new ListDatasetsQuery(), cancellationToken));

    private static async Task<Ok<IReadOnlyList<DatasetSourceFolder>>> Sources(IMediator mediator, CancellationToken cancellationToken) =>
        TypedResults.Ok(await mediator.Send(new ListDatasetSourcesQuery(), cancellationToken));

    private static async Task<FileContentHttpResult> Sample(Guid datasetId, int classIndex, int k, IMediator mediator, CancellationToken cancellationToken) =>
        TypedResults.File(await mediator.Send(new GetDatasetSampleQuery(datasetId, classIndex, k), cancellationToken), "image/png");

    private static async Task<FileContentHttpResult> MeanImage(Guid datasetId, string contentHash, IMediator mediator, CancellationToken cancellationToken) =>
        TypedResults.File(await mediator.Send(new GetMeanImageQuery(datasetId, contentHash), cancellationToken), "image/png");

    private static async Task<Results<Ok<DatasetDetails>, NotFound>> Get(Guid datasetId, IMediator mediator, CancellationToken cancellationToken) =>
        await mediator.Send(new GetDatasetQuery(datasetId), cancellationToken) is { } details ? TypedResults.Ok(details) : TypedResults.NotFound();
}
