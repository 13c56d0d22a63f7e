using System.Text.Json;
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
            ValidationException validation => new HttpValidationProblemDetails(
                validation.Errors
                    .GroupBy(e => FieldName(e.PropertyName))
                    .ToDictionary(g => g.Key, g => g.Select(e => e.ErrorMessage).Distinct().ToArray()))
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

    private static string FieldName(string path) => FieldPath.ToJson(path) is { Length: > 0 } name ? name : "body";

    // ASP.NET Core's own messages name the handler's parameter types ("Failed to read parameter \"SubmitExperimentRequest request\"...").
    private static string Describe(BadHttpRequestException bad) => bad.StatusCode switch
    {
        StatusCodes.Status413PayloadTooLarge when bad.Message.StartsWith("The request body is larger than", StringComparison.Ordinal) => bad.Message,
        StatusCodes.Status413PayloadTooLarge => $"The request body is larger than {RequestBodyLimit.MaxBytes / 1024 / 1024} MB.",
        StatusCodes.Status415UnsupportedMediaType => "Send the body as JSON with Content-Type: application/json.",
        _ when bad.Message.Contains("was not provided", StringComparison.Ordinal) => "The request needs a JSON body.",
        _ => "The request could not be read.",
    };

    [LoggerMessage(LogLevel.Error, "Unhandled exception for {Method} {Path}")]
    private partial void LogUnhandled(Exception exception, string method, string path);
}
