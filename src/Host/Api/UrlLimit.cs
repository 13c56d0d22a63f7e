using Microsoft.AspNetCore.Http.Features;

namespace AlexNet.Experiments.Host.Api;

/// <summary>
/// A URL (path and query) takes at most 8 KB, Kestrel's own default: a longer one is a 414 problem that names the limit. Kestrel
/// reads request lines up to <see cref="MaxRequestLineBytes"/> so that such URLs reach this check; past that it answers 414 itself,
/// with no body, since no part of the application has run.
/// </summary>
public static class UrlLimit
{
    public const int MaxUrlBytes = 8 * 1024;

    public const int MaxRequestLineBytes = 64 * 1024;

    public static IApplicationBuilder UseUrlLimit(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        // The URL as sent; an in-memory test server leaves RawTarget empty, and then the path and query, escaped again, stand in.
        var request = context.Request;
        string target = context.Features.Get<IHttpRequestFeature>()?.RawTarget is { Length: > 0 } raw ? raw : $"{request.PathBase}{request.Path}{request.QueryString}";
        if (target.Length > MaxUrlBytes)
        {
            throw new BadHttpRequestException($"The URL is longer than {MaxUrlBytes / 1024} KB.", StatusCodes.Status414UriTooLong);
        }

        await next();
    });
}
