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
    public void Application_does_no_file_io()
    {
        // Type references in the assembly's metadata: any use of File, Directory or a file stream would appear here.
        using var stream = File.OpenRead(typeof(ApplicationRegistration).Assembly.Location);
        using var pe = new System.Reflection.PortableExecutable.PEReader(stream);
        var metadata = System.Reflection.Metadata.PEReaderExtensions.GetMetadataReader(pe);
        var referenced = metadata.TypeReferences
            .Select(handle => metadata.GetTypeReference(handle))
            .Select(type => $"{metadata.GetString(type.Namespace)}.{metadata.GetString(type.Name)}")
            .ToList();

        referenced.ShouldNotBeEmpty();
        referenced.Where(name => name.StartsWith("System.IO.") && name != "System.IO.InvalidDataException").ShouldBeEmpty();
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
