using System.Text.Json;
using System.Text.RegularExpressions;
using AlexNet.Experiments.Application.Common;
using FluentValidation;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace AlexNet.Experiments.Host.Api;

/// <summary>
/// The one place exceptions become RFC 7807 responses: user errors are 400/404 naming the field, never 500. Responses carry
/// short reasons in the API's words; exception types and stack traces go to the log only.
/// </summary>
public sealed partial class ProblemDetailsMapping(IProblemDetailsService problemDetails, ILogger<ProblemDetailsMapping> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is OperationCanceledException && context.RequestAborted.IsCancellationRequested)
        {
            context.Response.StatusCode = 499; // the client went away; nobody reads this answer
            return true;
        }

        ProblemDetails problem = exception switch
        {
            ValidationException validation => new HttpValidationProblemDetails(FieldErrors(validation))
            {
                Title = "The request is invalid.",
                Status = StatusCodes.Status400BadRequest,
            },
            BadHttpRequestException { InnerException: JsonException json } => new HttpValidationProblemDetails(
                new Dictionary<string, string[]> { [FieldName(JsonFieldException.FullPath(json))] = [JsonErrors.Describe(json)] })
            {
                Title = "The request body is not valid JSON for this endpoint.",
                Status = StatusCodes.Status400BadRequest,
            },
            BadHttpRequestException bad when UnboundParameter(bad) is (var name, var expected) => new HttpValidationProblemDetails(
                new Dictionary<string, string[]> { [FieldName(name)] = [expected] })
            {
                Title = "The request is invalid.",
                Status = StatusCodes.Status400BadRequest,
            },
            BadHttpRequestException bad => new ProblemDetails { Title = "Bad request.", Detail = Describe(bad), Status = bad.StatusCode },
            ConflictException conflict => new ProblemDetails { Title = "Conflict.", Detail = conflict.Message, Status = StatusCodes.Status409Conflict },
            NotFoundException notFound => new ProblemDetails { Title = $"{notFound.Resource} not found.", Detail = notFound.Message, Status = StatusCodes.Status404NotFound },
            _ => new ProblemDetails { Title = "The server failed to process the request.", Detail = "The reason is in the server log.", Status = StatusCodes.Status500InternalServerError },
        };

        if (problem.Status == StatusCodes.Status500InternalServerError)
        {
            LogUnhandled(exception, context.Request.Method, context.Request.Path);
        }

        context.Response.StatusCode = problem.Status!.Value;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem });
    }

    /// <summary>A validation failure's messages by the field they name, as the client wrote it: the <c>errors</c> of a 400 answer and of a page's form.</summary>
    public static Dictionary<string, string[]> FieldErrors(ValidationException validation) =>
        validation.Errors
            .GroupBy(e => FieldName(e.PropertyName))
            .ToDictionary(g => g.Key, g => g.Select(e => e.ErrorMessage).Distinct().ToArray());

    private static string FieldName(string path) => FieldPath.ToJson(path) is { Length: > 0 } name ? name : "body";

    // ASP.NET Core's own messages name the handler's parameter types ("Failed to read parameter \"SubmitExperimentRequest request\"...").
    private static string Describe(BadHttpRequestException bad) => bad.StatusCode switch
    {
        StatusCodes.Status413PayloadTooLarge when bad.Message.StartsWith("The request body is larger than", StringComparison.Ordinal) => bad.Message,
        StatusCodes.Status413PayloadTooLarge => $"The request body is larger than {RequestBodyLimit.MaxBytes / 1024 / 1024} MB.",
        StatusCodes.Status414UriTooLong => bad.Message,
        StatusCodes.Status415UnsupportedMediaType => "Send the body as JSON with Content-Type: application/json.",
        _ when bad.Message.Contains("was not provided", StringComparison.Ordinal) => "The request needs a JSON body.",
        _ => "The request could not be read.",
    };

    /// <summary>
    /// A query or route value the parameter's type cannot hold (page=99999999999, limit=1e3). ASP.NET Core's message names the
    /// parameter and its C# type (Failed to bind parameter "Nullable&lt;int&gt; Page" from "1e3".); the answer names the parameter
    /// as the client wrote it and says what it takes, without the type.
    /// </summary>
    private static (string Name, string Expected)? UnboundParameter(BadHttpRequestException bad) =>
        bad.StatusCode == StatusCodes.Status400BadRequest && BindingFailure().Match(bad.Message) is { Success: true } match
            ? (match.Groups["name"].Value, Expected(match.Groups["type"].Value))
            : null;

    private static string Expected(string typeName) => typeName.Replace("Nullable<", "", StringComparison.Ordinal).TrimEnd('?', '>') switch
    {
        "int" or "short" or "byte" or "sbyte" or "ushort" => "Expected a whole number (at most 2147483647).",
        "long" or "uint" or "ulong" => "Expected a whole number.",
        "double" or "float" or "decimal" => "Expected a finite number.",
        "bool" => "Expected true or false.",
        "Guid" => "Expected a GUID such as 3f2504e0-4f89-11d3-9a0c-0305e82c3301.",
        _ => "Not a valid value for this parameter.",
    };

    [GeneratedRegex("""^Failed to bind parameter "(?<type>[^" ]+) (?<name>\w+)" from """, RegexOptions.CultureInvariant)]
    private static partial Regex BindingFailure();

    [LoggerMessage(LogLevel.Error, "Unhandled exception for {Method} {Path}")]
    private partial void LogUnhandled(Exception exception, string method, string path);
}
