using AlexNet.Experiments.Application.Experiments.GetPreset;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AlexNet.Experiments.Host.Api;

public static class PresetEndpoints
{
    public static RouteGroupBuilder MapPresetEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/presets").WithTags("Presets");
        group.MapGet("/{name}", Get)
            .WithSummary("A preset (quickstart, paper-2012, fashion-mnist) resolved to every hyperparameter: what a submission of it without overrides runs");
        return group;
    }

    private static async Task<Results<Ok<Preset>, NotFound>> Get(string name, IMediator mediator, CancellationToken cancellationToken) =>
        await mediator.Send(new GetPresetQuery(name), cancellationToken) is { } preset ? TypedResults.Ok(preset) : TypedResults.NotFound();
}
