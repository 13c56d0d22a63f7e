using AlexNet.Experiments.Domain.Experiments;

namespace AlexNet.Experiments.Host;

/// <summary>
/// Budgets from <c>AlexNet:MemoryBudgetBytes</c> and <c>AlexNet:DiskBudgetBytes</c>, else three quarters of the memory this process
/// may use and half the free disk of the artifact folder (runs and datasets share it).
/// </summary>
public sealed class MachineResourceBudget(IConfiguration configuration, string artifactDirectory) : IResourceBudget
{
    public const string MemorySetting = "AlexNet:MemoryBudgetBytes";
    public const string DiskSetting = "AlexNet:DiskBudgetBytes";

    public ResourceLimit Memory => configuration.GetValue<double?>(MemorySetting) is { } bytes
        ? new ResourceLimit(bytes, MemorySetting)
        : new ResourceLimit(0.75 * GC.GetGCMemoryInfo().TotalAvailableMemoryBytes, $"3/4 of this machine's memory; set {MemorySetting} to change it");

    public ResourceLimit Disk => configuration.GetValue<double?>(DiskSetting) is { } bytes
        ? new ResourceLimit(bytes, DiskSetting)
        : new ResourceLimit(0.5 * new DriveInfo(artifactDirectory).AvailableFreeSpace, $"half the free disk of the artifact folder; set {DiskSetting} to change it");
}
