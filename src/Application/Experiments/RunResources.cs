using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Experiments;
using FluentValidation.Results;

namespace AlexNet.Experiments.Application.Experiments;

/// <summary>Rejects a run that would not fit this machine's memory or disk budget, naming the estimate and the budget.</summary>
public static class RunResources
{
    public static IReadOnlyList<ValidationFailure> Check(Hyperparameters hyperparameters, DatasetSize size, IResourceBudget budget)
    {
        ArgumentNullException.ThrowIfNull(size);
        ArgumentNullException.ThrowIfNull(budget);
        long images = size.Images;
        var footprint = Estimate(hyperparameters, size);
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

    /// <summary>The footprint of a run of <paramref name="hyperparameters"/> on a dataset of <paramref name="size"/>.</summary>
    public static RunFootprint Estimate(Hyperparameters hyperparameters, DatasetSize size)
    {
        ArgumentNullException.ThrowIfNull(size);
        return RunFootprint.Estimate(hyperparameters, Math.Max(size.Classes, 2), size.Images);
    }

    private static string Gigabytes(double bytes) =>
        bytes >= 1e15 ? $"{bytes / 1e12:N0} TB" : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{bytes / 1e9:F1} GB");
}
