using System.Text.Json;
using System.Text.RegularExpressions;
using AlexNet.Experiments.Domain.Experiments;

namespace AlexNet.Experiments.Application.Common;

/// <summary>Short reasons for JSON a request could not use, in JSON's words: System.Text.Json's messages name .NET types.</summary>
public static partial class JsonErrors
{
    /// <summary>Nesting deeper than any request needs (hyperparameters are four levels deep).</summary>
    public const int MaxDepth = 16;

    /// <summary>No request object has this many fields; more is an attack or a mistake, rejected before any work per field.</summary>
    public const int MaxProperties = 64;

    public static string Describe(JsonException exception)
    {
        string message = exception.Message.Split(" Path:")[0];
        if (message.Contains("could not be mapped", StringComparison.Ordinal))
        {
            return "Unknown field.";
        }

        // System.Text.Json's "The constructor parameter 'Preset' on type '…' doesn't allow null values."
        if (message.Contains("allow null values", StringComparison.Ordinal) || message.Contains("allow setting null values", StringComparison.Ordinal))
        {
            return "Must not be null; leave the field out to use its default.";
        }

        if (message.Contains("Duplicate", StringComparison.OrdinalIgnoreCase))
        {
            return "Duplicate field.";
        }

        if (ConvertedTo().Match(message) is { Success: true } converted)
        {
            return Expected(converted.Groups[1].Value);
        }

        // Syntax errors ("'x' is an invalid start of a value. LineNumber: 0 | BytePositionInLine: 9.") carry no type names.
        return TypeName().IsMatch(message) ? "Invalid JSON for this field." : message;
    }

    private static string Expected(string typeName)
    {
        if (typeof(Hyperparameters).Assembly.GetType(typeName) is { IsEnum: true } enumType)
        {
            return $"Expected one of: {string.Join(", ", Enum.GetNames(enumType))}.";
        }

        return typeName switch
        {
            _ when typeName.Contains("Int32", StringComparison.Ordinal) => "Expected a whole number (at most 2147483647).",
            _ when typeName.Contains("Int64", StringComparison.Ordinal) => "Expected a whole number.",
            _ when typeName.Contains("Double", StringComparison.Ordinal) => "Expected a number.",
            _ when typeName.Contains("Boolean", StringComparison.Ordinal) => "Expected true or false.",
            _ when typeName.Contains("Guid", StringComparison.Ordinal) => "Expected a GUID such as \"3f2504e0-4f89-11d3-9a0c-0305e82c3301\".",
            _ when typeName.Contains("String", StringComparison.Ordinal) => "Expected a string.",
            _ when typeName.Contains("List", StringComparison.Ordinal) || typeName.Contains("JsonArray", StringComparison.Ordinal) => "Expected an array.",
            _ => "Expected an object.",
        };
    }

    [GeneratedRegex(@"converted to ([\w.`+\[\], =]+?)\.?(?: |$)")]
    private static partial Regex ConvertedTo();

    [GeneratedRegex(@"\b(System|AlexNet|Microsoft)\.\w")]
    private static partial Regex TypeName();
}
