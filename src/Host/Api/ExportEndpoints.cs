using AlexNet.Experiments.Application.Runs.GetRunCheckpoint;
using AlexNet.Experiments.Domain.Training;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AlexNet.Experiments.Host.Api;

public static class ExportEndpoints
{
    public static RouteGroupBuilder MapExportEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/runs").WithTags("Exports");
        group.MapGet("/{runId:guid}/export/pytorch", PyTorch)
            .WithSummary("The last finished epoch's weights as a PyTorch state_dict (torch.load), keyed as python/alexnet.py names its layers")
            .Produces(StatusCodes.Status200OK, contentType: "application/octet-stream")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    private static async Task<Results<FileStreamHttpResult, NotFound>> PyTorch(
        Guid runId, IMediator mediator, ICheckpointReader checkpoints, CancellationToken cancellationToken)
    {
        if (await mediator.Send(new GetRunCheckpointQuery(runId), cancellationToken) is not { } checkpoint)
        {
            return TypedResults.NotFound();
        }

        // A temporary file, not memory: the paper-size network is about 240 MB. It is deleted when the response is sent.
        var file = new FileStream(Path.GetTempFileName(), FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
        try
        {
            await checkpoints.WritePyTorchStateDictAsync(checkpoint, file, cancellationToken);
            file.Position = 0;
            return TypedResults.File(file, "application/octet-stream", $"alexnet-{runId:N}-epoch-{checkpoint.Epoch}.pt");
        }
        catch
        {
            await file.DisposeAsync();
            throw;
        }
    }
}
