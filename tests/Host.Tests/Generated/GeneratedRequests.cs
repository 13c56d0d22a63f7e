using CsCheck;

namespace AlexNet.Experiments.Host.Tests.Generated;

/// <summary>
/// CsCheck's generator of hostile requests: an operation of the OpenAPI document, a valid request for it, then up to three
/// <see cref="Mutations"/> (none one time in eight, so valid requests reach the handlers too). A request's size is its length in
/// bytes, so CsCheck shrinks a failing case towards the shortest request that still fails.
/// </summary>
public sealed class GeneratedRequests(ApiDescription api, KnownValues known) : Gen<GeneratedRequest>
{
    public override GeneratedRequest Generate(PCG pcg, Size? min, out Size size)
    {
        var draw = new Draw(pcg);
        var draft = new ValidRequests(api, known, draw).For(draw.Pick(api.Operations));
        var request = new Mutations(draw, known).Apply(draft, draw.Chance(12) ? 0 : 1 + draw.Below(3)).Render();
        size = new Size(request.Length);
        return request;
    }
}
