using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Experiments;
using FluentValidation.Results;

namespace AlexNet.Experiments.Application.Experiments;

/// <summary>Rejects a run that would not fit this machine's memory or disk budget, naming the estimate and the budget.</summary>
public static class RunResources
{
    public static IReadOnlyList<ValidationFailure> Check(Hyperparameters hyperparameters, Dataset dataset, IResourceBudget budget, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(budget);
        var (classes, images) = CountSource(dataset.SourcePath, cancellationToken);
        var footprint = RunFootprint.Estimate(hyperparameters, Math.Max(classes, 2), images);
        var failures = new List<ValidationFailure>();
        if (footprint.MemoryBytes > budget.Memory.Bytes)
        {
            failures.Add(new(HyperparameterResolution.Field, $"needs about {Gigabytes(footprint.MemoryBytes)} of memory; the budget is {Gigabytes(budget.Memory.Bytes)} ({budget.Memory.Source})."));
        }

        var disk = budget.Disk;
        if (footprint.DiskBytes > disk.Bytes)
        {
            failures.Add(new(HyperparameterResolution.Field,
                $"needs about {Gigabytes(footprint.DiskBytes)} of disk for {images:N0} preprocessed images and {hyperparameters.Epochs + 1} checkpoints; " +
                $"the budget is {Gigabytes(disk.Bytes)} ({disk.Source})."));
        }

        return failures;
    }

    /// <summary>Classes and files of a registered source: an upper bound on what preprocessing will store.</summary>
    private static (int Classes, long Images) CountSource(string sourcePath, CancellationToken cancellationToken)
    {
        var train = Path.Combine(sourcePath, "train");
        int classes = Directory.Exists(train) ? Directory.EnumerateDirectories(train).Count() : 0;
        long images = 0;
        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint };
        foreach (var split in new[] { train, Path.Combine(sourcePath, "val") })
        {
            if (!Directory.Exists(split))
            {
                continue;
            }

            foreach (var _ in Directory.EnumerateFiles(split, "*", options))
            {
                if (++images % 4096 == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }
            }
        }

        return (classes, images);
    }

    private static string Gigabytes(double bytes) =>
        bytes >= 1e15 ? $"{bytes / 1e12:N0} TB" : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{bytes / 1e9:F1} GB");
}
