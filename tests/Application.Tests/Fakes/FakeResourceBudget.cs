using AlexNet.Experiments.Domain.Experiments;

namespace AlexNet.Experiments.Application.Tests.Fakes;

/// <summary>A budget a test sets; by default larger than any run.</summary>
public sealed class FakeResourceBudget : IResourceBudget
{
    public double MemoryBytes { get; set; } = 1e15;
    public double DiskBytes { get; set; } = 1e15;

    public ResourceLimit Memory => new(MemoryBytes, "test memory budget");
    public ResourceLimit Disk => new(DiskBytes, "test disk budget");
}
