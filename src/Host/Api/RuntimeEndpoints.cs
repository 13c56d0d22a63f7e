using AlexNet.Experiments.Infrastructure.Torch;
using AlexNet.Experiments.Infrastructure.Torch.OneDnn;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AlexNet.Experiments.Host.Api;

/// <summary>The native settings this process computes with, as its start-up log line gives them.</summary>
/// <param name="Description">The start-up log line.</param>
public sealed record RuntimeResponse(string LibTorchVersion, int IntraOpThreads, int KernelWorkers, OneDnnCap OneDnn, string Allocator, string Description);

public static class RuntimeEndpoints
{
    public static IEndpointRouteBuilder MapRuntimeEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/runtime", Describe).WithTags("Runtime")
            .WithSummary("libtorch's version and threads, the allocator settings, and oneDNN's instruction-set cap with the probe verdict that chose it");
        return routes;
    }

    private static Ok<RuntimeResponse> Describe(TorchRuntimeSetup runtime) => TypedResults.Ok(new RuntimeResponse(
        runtime.LibTorchVersion, runtime.IntraOpThreads, runtime.KernelWorkers, runtime.OneDnn,
        runtime.Allocator?.ToString() ?? "malloc defaults", runtime.ToString()));
}
