using System.Reflection;
using System.Runtime.CompilerServices;
using AlexNet.Experiments.Infrastructure.Storage;
using AlexNet.Experiments.Infrastructure.Torch;

namespace AlexNet.Experiments.Host.Tests;

/// <summary>Nothing process-wide happens as a side effect (DESIGN.md): the host starts what it needs explicitly.</summary>
public sealed class ArchitectureTests
{
    [Fact]
    public void No_source_assembly_runs_code_of_its_own_when_it_is_loaded()
    {
        var assemblies = new[] { typeof(Program), typeof(TorchRuntime), typeof(StorageOptions), typeof(Application.ApplicationRegistration), typeof(Domain.Experiments.Hyperparameters) }
            .Select(t => t.Assembly)
            .ToList();

        assemblies.SelectMany(Initialisers).ShouldBeEmpty();
        Initialisers(typeof(ArchitectureTests).Assembly).ShouldBe([$"{typeof(StartTorchRuntime)}.Start"], "the check finds this test assembly's own");
    }

    private static IEnumerable<string> Initialisers(Assembly assembly) => assembly.GetTypes()
        .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
        .Where(m => m.IsDefined(typeof(ModuleInitializerAttribute)))
        .Select(m => $"{m.DeclaringType}.{m.Name}");
}
