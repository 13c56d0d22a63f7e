using AlexNet.Experiments.Application;
using AlexNet.Experiments.Domain.Experiments;

namespace AlexNet.Experiments.Application.Tests;

/// <summary>Dependencies point inwards: the core knows nothing of TorchSharp, EF Core, Hangfire or ASP.NET.</summary>
public sealed class ArchitectureTests
{
    private static readonly string[] Forbidden = ["TorchSharp", "Microsoft.EntityFrameworkCore", "Hangfire", "Microsoft.AspNetCore", "SkiaSharp", "Microsoft.Data.Sqlite"];

    [Fact]
    public void Domain_references_only_the_base_class_library()
    {
        var references = typeof(Hyperparameters).Assembly.GetReferencedAssemblies().Select(a => a.Name!);
        references.ShouldAllBe(name => name.StartsWith("System") || name == "netstandard");
    }

    [Fact]
    public void Application_references_no_infrastructure_framework()
    {
        var references = typeof(ApplicationRegistration).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        references.ShouldContain("AlexNet.Experiments.Domain");
        foreach (var forbidden in Forbidden)
        {
            references.ShouldNotContain(name => name.StartsWith(forbidden), $"Application must not reference {forbidden}");
        }
    }

    [Fact]
    public void Every_async_port_method_takes_a_cancellation_token()
    {
        var ports = typeof(Hyperparameters).Assembly.GetTypes().Where(t => t.IsInterface);
        var asyncMethods = ports.SelectMany(p => p.GetMethods()).Where(m => typeof(Task).IsAssignableFrom(m.ReturnType)).ToList();
        asyncMethods.ShouldNotBeEmpty();
        asyncMethods.ShouldAllBe(m => m.GetParameters().Any(p => p.ParameterType == typeof(CancellationToken)));
    }

    [Fact]
    public void Domain_and_application_types_are_sealed_or_abstract()
    {
        var types = new[] { typeof(Hyperparameters).Assembly, typeof(ApplicationRegistration).Assembly }
            .SelectMany(a => a.GetTypes())
            .Where(t => t.IsClass && t.IsPublic && !t.IsAbstract && t.Namespace?.StartsWith("AlexNet") == true);
        types.Where(t => !t.IsSealed).Select(t => t.FullName).ShouldBeEmpty();
    }
}
