using AlexNet.Experiments.Domain.Datasets;

namespace AlexNet.Experiments.Infrastructure.Storage.Datasets;

/// <summary>Skipped files as one line of a refusal: the first few with their reasons, and how many more.</summary>
internal static class SkippedFiles
{
    private const int Named = 10;

    public static string Describe(IReadOnlyCollection<SkippedFile> skipped)
    {
        var named = string.Join("; ", skipped.Take(Named).Select(s => $"'{s.Path}': {s.Reason}"));
        return skipped.Count > Named ? $"{named}; and {skipped.Count - Named:N0} more" : named;
    }
}
