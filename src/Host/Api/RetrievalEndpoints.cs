using AlexNet.Experiments.Application.Retrieval;
using AlexNet.Experiments.Application.Retrieval.ExtractFeatures;
using AlexNet.Experiments.Application.Retrieval.FindNeighbours;
using AlexNet.Experiments.Application.Retrieval.GetFeatures;
using AlexNet.Experiments.Application.Retrieval.GetRunImage;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace AlexNet.Experiments.Host.Api;

/// <summary>The form of an upload to POST /api/runs/{runId}/neighbours, for the OpenAPI document: one file field, image.</summary>
public sealed record NeighbourUpload(IFormFile Image);

/// <summary>The paper's Figure 4 over HTTP: extract a split's fc7 vectors, then ask for the training images nearest to an image.</summary>
public static class RetrievalEndpoints
{
    public const int DefaultK = 6;

    public static RouteGroupBuilder MapRetrievalEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/runs").WithTags("Retrieval");
        group.MapPost("/{runId:guid}/features", Extract)
            .WithSummary("Extract the fc7 vectors of a split (?split=train|val) of a Succeeded run as a background job: 202 with the status URL, or 200 when already extracted")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        group.MapGet("/{runId:guid}/features/{split}", Status)
            .WithSummary("The state of a split's features (pending, done, failed), with the vector count, dimension and .npy artifacts")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        group.MapGet("/{runId:guid}/neighbours", Neighbours)
            .WithSummary("The k (1-100, default 6) training images nearest by Euclidean fc7 distance to a stored image (?image=val:123), nearest first; ?excludeQuery=true leaves a training query out")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        group.MapPost("/{runId:guid}/neighbours", UploadNeighbours)
            .WithSummary($"The k nearest training images to an uploaded JPEG or PNG (multipart/form-data field image, at most {RequestBodyLimit.MaxUploadBytes / 1024 / 1024} MB)")
            .WithMetadata(new RequestBodyLimit.AcceptsUpload())
            .Accepts<NeighbourUpload>("multipart/form-data")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        group.MapGet("/{runId:guid}/images/{split}/{index:int}.png", Image)
            .WithSummary("One preprocessed image of the run's dataset (split train or val) as PNG")
            .Produces(StatusCodes.Status200OK, contentType: "image/png").ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    private static async Task<Results<Ok<FeatureStatus>, Accepted<FeatureStatus>>> Extract(
        Guid runId, string? split, IMediator mediator, CancellationToken cancellationToken)
    {
        var status = await mediator.Send(new ExtractFeaturesCommand(runId, split), cancellationToken);
        return status.State == FeatureStatus.Done ? TypedResults.Ok(status) : TypedResults.Accepted(status.StatusUrl, status);
    }

    private static async Task<Results<Ok<FeatureStatus>, ProblemHttpResult>> Status(
        Guid runId, string split, IMediator mediator, CancellationToken cancellationToken) =>
        await mediator.Send(new GetFeaturesQuery(runId, split), cancellationToken) is { } status
            ? TypedResults.Ok(status)
            : TypedResults.Problem(
                title: "Features not extracted.",
                detail: $"No features of the {split} split have been extracted for run {runId}: POST /api/runs/{runId}/features?split={split} first.",
                statusCode: StatusCodes.Status404NotFound);

    private static async Task<Ok<NeighbourList>> Neighbours(
        Guid runId, string? image, int? k, bool? excludeQuery, IMediator mediator, CancellationToken cancellationToken)
    {
        var lists = await mediator.Send(new FindNeighboursQuery(runId, [image], k ?? DefaultK, excludeQuery ?? false), cancellationToken);
        return TypedResults.Ok(lists[0]);
    }

    private static async Task<Ok<NeighbourList>> UploadNeighbours(
        Guid runId, int? k, HttpRequest request, IMediator mediator, CancellationToken cancellationToken)
    {
        byte[] image = [];
        if (request.HasFormContentType)
        {
            IFormCollection form;
            try
            {
                form = await request.ReadFormAsync(cancellationToken);
            }
            catch (Exception e) when (e is InvalidDataException || (e is IOException && e is not BadHttpRequestException))
            {
                form = FormCollection.Empty; // a malformed multipart body: answered below as a missing image (a too-large one stays 413)
            }

            if (form.Files.GetFile(NeighbourRules.ImageField) is { Length: > 0 } file)
            {
                using var buffer = new MemoryStream((int)file.Length);
                await file.CopyToAsync(buffer, cancellationToken);
                image = buffer.ToArray();
            }
        }

        return TypedResults.Ok(await mediator.Send(new FindUploadNeighboursQuery(runId, image, k ?? DefaultK), cancellationToken));
    }

    private static async Task<Results<FileContentHttpResult, NotFound>> Image(
        Guid runId, string split, int index, IMediator mediator, CancellationToken cancellationToken) =>
        await mediator.Send(new GetRunImageQuery(runId, split, index), cancellationToken) is { } png
            ? TypedResults.File(png, "image/png")
            : TypedResults.NotFound();
}
