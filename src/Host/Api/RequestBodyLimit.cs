using Microsoft.AspNetCore.Http.Features;

namespace AlexNet.Experiments.Host.Api;

/// <summary>JSON endpoints take at most 1 MB: a larger body is refused before it is read.</summary>
public static class RequestBodyLimit
{
    public const long MaxBytes = 1024 * 1024;

    public static IApplicationBuilder UseRequestBodyLimit(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.Request.ContentLength > MaxBytes)
        {
            throw new BadHttpRequestException("The request body is larger than 1 MB.", StatusCodes.Status413PayloadTooLarge);
        }

        // Kestrel then stops a chunked body at the same size.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = MaxBytes;
        }

        await next();
    });
}
