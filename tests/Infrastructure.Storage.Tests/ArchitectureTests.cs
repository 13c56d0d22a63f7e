namespace AlexNet.Experiments.Infrastructure.Storage.Tests;

/// <summary>Bytes at rest, the dataset formats and preprocessing need no TorchSharp: the Torch adapter depends on storage, never the reverse.</summary>
public sealed class ArchitectureTests
{
    [Fact]
    public void Storage_references_no_TorchSharp()
    {
        var references = typeof(StorageRegistration).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        references.ShouldContain("AlexNet.Experiments.Domain");
        references.ShouldNotContain(name => name.StartsWith("TorchSharp"));
        references.ShouldNotContain("AlexNet.Experiments.Infrastructure.Torch");
    }

    [Fact]
    public void Nothing_brings_TorchSharp_into_the_storage_build()
    {
        // Metadata lists only assemblies the code uses; the dependency file also lists a package referenced and unused.
        var deps = Path.Combine(AppContext.BaseDirectory, "AlexNet.Experiments.Infrastructure.Storage.Tests.deps.json");
        File.Exists(deps).ShouldBeTrue();
        File.ReadAllText(deps).ShouldNotContain("TorchSharp", Case.Insensitive);
    }
}
