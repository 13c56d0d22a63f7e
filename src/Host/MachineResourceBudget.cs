using AlexNet.Experiments.Domain.Experiments;

namespace AlexNet.Experiments.Host;

/// <summary>
/// Budgets from <c>AlexNet:MemoryBudgetBytes</c> and <c>AlexNet:DiskBudgetBytes</c> (<see cref="AlexNetSettings"/>), else three
/// quarters of the memory this process may use and half the free disk of the artifact folder (runs and datasets share it).
/// </summary>
public sealed class MachineResourceBudget(double? memoryBytes, double? diskBytes, string artifactDirectory) : IResourceBudget
{
    public const string MemorySetting = $"{AlexNetSettings.Section}:{nameof(AlexNetSettings.MemoryBudgetBytes)}";
    public const string DiskSetting = $"{AlexNetSettings.Section}:{nameof(AlexNetSettings.DiskBudgetBytes)}";

    public ResourceLimit Memory => memoryBytes is { } bytes
        ? new ResourceLimit(bytes, MemorySetting)
        : new ResourceLimit(0.75 * GC.GetGCMemoryInfo().TotalAvailableMemoryBytes, $"3/4 of this machine's memory; set {MemorySetting} to change it");

    public ResourceLimit Disk => diskBytes is { } bytes
        ? new ResourceLimit(bytes, DiskSetting)
        : new ResourceLimit(0.5 * new DriveInfo(artifactDirectory).AvailableFreeSpace, $"half the free disk of the artifact folder; set {DiskSetting} to change it");
}
