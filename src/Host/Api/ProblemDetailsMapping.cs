using System.Text.Json;
using AlexNet.Experiments.Application.Common;
using FluentValidation;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace AlexNet.Experiments.Host.Api;

/// <summary>The one place exceptions become RFC 7807 responses: user errors are 400/404 naming the field, never 500.</summary>
public sealed class ProblemDetailsMapping(IProblemDetailsService problemDetails) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        ProblemDetails? problem = exception switch
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
                new Dictionary<string, string[]> { [FieldName(json.Path ?? "body")] = [FirstSentence(json.Message)] })
            {
                Title = "The request body is not valid JSON for this endpoint.",
                Status = StatusCodes.Status400BadRequest,
            },
            BadHttpRequestException bad => new ProblemDetails { Title = "Bad request.", Detail = bad.Message, Status = bad.StatusCode },
            ConflictException conflict => new ProblemDetails { Title = "Conflict.", Detail = conflict.Message, Status = StatusCodes.Status409Conflict },
            NotFoundException notFound => new ProblemDetails { Title = $"{notFound.Resource} not found.", Detail = notFound.Message, Status = StatusCodes.Status404NotFound },
            _ => null,
        };

        if (problem is null)
        {
            return false;
        }

        context.Response.StatusCode = problem.Status!.Value;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem, Exception = exception });
    }

    private static string FieldName(string path) => FieldPath.ToJson(path) is { Length: > 0 } name ? name : "body";

    private static string FirstSentence(string message) => message.Split(" Path:")[0];
}
