using AlexNet.Experiments.Domain.Datasets;

namespace AlexNet.Experiments.Infrastructure.Storage.Datasets.Sources;

/// <summary>
/// Decides at registration whether a source can train anything: its training records are tried in listing order until one
/// decodes, so a good source costs one small decode and a source of only broken files is refused with what was wrong with them.
/// </summary>
internal static class DecodableImageProbe
{
    /// <summary>Null when a training image decodes, otherwise the problem, naming the skipped files and why.</summary>
    public static string? Problem(DatasetRecords records, string realRoot, UntrustedFileLimits limits, CancellationToken cancellationToken)
    {
        var skipped = new List<SkippedFile>();
        foreach (var record in records.Train)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (record is not EncodedImageRecord file)
            {
                return null; // raw pixels were validated by the reader
            }

            var reason = UntrustedFiles.RunBounded(() => new Verdict(WhyUndecodable(file, realRoot, limits)), limits.DecodeTimeout, cancellationToken)
                ?? new Verdict(RecordDigests.TimedOut(limits));
            if (reason.Problem is null)
            {
                return null;
            }

            skipped.Add(new SkippedFile(file.Key, reason.Problem));
        }

        return records.Train.Count == 0
            ? "The folder holds no training image."
            : $"The folder holds no decodable training image: all {records.Train.Count:N0} were skipped ({SkippedFiles.Describe(skipped)}).";
    }

    private sealed record Verdict(string? Problem);

    private static string? WhyUndecodable(EncodedImageRecord file, string realRoot, UntrustedFileLimits limits)
    {
        if (UntrustedFiles.TryRead(file.Path, realRoot, limits.MaxImageFileBytes, out var unreadable) is not { } bytes)
        {
            return unreadable;
        }

        // The smallest scale the codec offers: decodability, not size, is in question here.
        using var bitmap = SkiaImaging.TryDecode(bytes, minShorterSide: 1, limits.MaxPixels, out var reason);
        return bitmap is null ? reason : null;
    }
}
