namespace AlexNet.Experiments.Application.Common;

/// <summary>
/// The reason a run failed, as a user reads it: the first line of the innermost useful message, without libtorch's C++ frames
/// ("Exception raised from ... frame #0: ...") or .NET type names. The whole exception goes to the log.
/// </summary>
public static class FailureReason
{
    public const int MaxLength = 300;

    public static string From(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        // TypeInitializationException and friends say nothing themselves; their inner exception does.
        while (exception.InnerException is not null && (exception is TypeInitializationException or System.Reflection.TargetInvocationException or AggregateException))
        {
            exception = exception.InnerException;
        }

        string line = exception.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
        int frames = line.IndexOf("Exception raised from", StringComparison.Ordinal);
        if (frames >= 0)
        {
            line = line[..frames].TrimEnd();
        }

        if (line.Length == 0)
        {
            line = "The step failed without a message; the server log has the details.";
        }

        return line.Length <= MaxLength ? line : line[..(MaxLength - 1)] + "…";
    }
}
