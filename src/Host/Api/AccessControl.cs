using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Mvc;

namespace AlexNet.Experiments.Host.Api;

/// <summary>
/// One API key (<c>AlexNet:ApiKey</c>, sent as <c>X-Api-Key</c> or <c>Authorization: Bearer</c>) guards every endpoint and the
/// dashboard once configured. There is no default key: without one the host serves loopback only.
/// </summary>
public static class AccessControl
{
    public const string KeySetting = "AlexNet:ApiKey";
    public const string KeyHeader = "X-Api-Key";

    /// <summary>Refuses to start (exit code 1) when <paramref name="urls"/> reach beyond this machine and no key is configured.</summary>
    public static void EnsureSafeToListen(IEnumerable<string> urls, string? apiKey)
    {
        var exposed = urls.Where(url => !IsLoopback(url)).ToList();
        if (exposed.Count > 0 && string.IsNullOrEmpty(apiKey))
        {
            throw new HostRefusedToStartException(
                $"Refusing to listen on {string.Join(", ", exposed)} without an API key: set {KeySetting} (e.g. --{KeySetting}=<secret>) or listen on localhost only.");
        }
    }

    /// <summary>localhost, 127.0.0.0/8 and [::1] are loopback; a wildcard (*, +, 0.0.0.0, [::]) or any other host is not.</summary>
    public static bool IsLoopback(string url)
    {
        string host = url.Contains("://", StringComparison.Ordinal) ? url[(url.IndexOf("://", StringComparison.Ordinal) + 3)..] : url;
        host = host.Split('/')[0];
        host = host.StartsWith('[') ? host[..(host.IndexOf(']') + 1)] : host.Split(':')[0];
        return string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
    }

    /// <summary>
    /// Every address the configuration asks the server to listen on. http_ports is not among them: without urls the host
    /// listens on its loopback default, which takes precedence over it.
    /// </summary>
    public static IEnumerable<string> ConfiguredUrls(IConfiguration configuration)
    {
        foreach (var key in new[] { "urls", "ASPNETCORE_URLS" })
        {
            foreach (var url in (configuration[key] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                yield return url;
            }
        }

        foreach (var endpoint in configuration.GetSection("Kestrel:Endpoints").GetChildren())
        {
            if (endpoint["Url"] is { Length: > 0 } url)
            {
                yield return url;
            }
        }
    }

    /// <summary>Answers 401 to any request without the key; does nothing when no key is configured (loopback only).</summary>
    public static IApplicationBuilder UseApiKey(this IApplicationBuilder app, string? apiKey) =>
        string.IsNullOrEmpty(apiKey) ? app : app.Use(async (context, next) =>
        {
            if (HasKey(context.Request, apiKey))
            {
                await next();
                return;
            }

            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Bearer";
            await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails = new ProblemDetails
                {
                    Title = "An API key is required.",
                    Detail = $"Send it as the {KeyHeader} header or as Authorization: Bearer <key>.",
                    Status = StatusCodes.Status401Unauthorized,
                },
            });
        });

    private static bool HasKey(HttpRequest request, string apiKey)
    {
        string? presented = request.Headers[KeyHeader].FirstOrDefault();
        if (presented is null && request.Headers.Authorization.FirstOrDefault() is { } authorization
            && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            presented = authorization["Bearer ".Length..].Trim();
        }

        return presented is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(apiKey));
    }
}
