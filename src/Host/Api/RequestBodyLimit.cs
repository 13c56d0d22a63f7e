using Microsoft.AspNetCore.Http.Features;

namespace AlexNet.Experiments.Host.Api;

/// <summary>
/// JSON endpoints take at most 1 MB: a larger body is refused before it is read. An endpoint that takes an image upload says
/// so with <see cref="AcceptsUpload"/> metadata and takes up to <see cref="MaxUploadBytes"/>.
/// </summary>
public static class RequestBodyLimit
{
    public const long MaxBytes = 1024 * 1024;

    /// <summary>A photo as cameras and phones write it fits; the decoder's own caps (pixels, time) still apply.</summary>
    public const long MaxUploadBytes = 16 * 1024 * 1024;

    /// <summary>Endpoint metadata: this endpoint reads an image upload.</summary>
    public sealed record AcceptsUpload;

    public static IApplicationBuilder UseRequestBodyLimit(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        long limit = context.GetEndpoint()?.Metadata.GetMetadata<AcceptsUpload>() is null ? MaxBytes : MaxUploadBytes;
        if (context.Request.ContentLength > limit)
        {
            throw new BadHttpRequestException($"The request body is larger than {limit / 1024 / 1024} MB.", StatusCodes.Status413PayloadTooLarge);
        }

        // Kestrel then stops a chunked body at the same size.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = limit;
        }

        await next();
    });
}
