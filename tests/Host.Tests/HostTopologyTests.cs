using AlexNet.Experiments.Infrastructure.Storage;
using Microsoft.Extensions.Configuration;

namespace AlexNet.Experiments.Host.Tests;

public sealed class HostTopologyTests
{
    private static HostTopology From(params (string Key, string Value)[] settings) =>
        HostTopology.From(AlexNetSettings.From(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Prepend((Key: "AlexNet:DataDirectory", Value: "/tmp/data")).Select(s => KeyValuePair.Create(s.Key, (string?)s.Value)))
            .Build()));

    [Fact]
    public void Without_settings_one_process_serves_everything_on_sqlite()
    {
        var topology = From();
        topology.Role.ShouldBe(HostRole.Serve);
        (topology.RunsJobs, topology.ServesHttp).ShouldBe((true, true));
        topology.Storage.ShouldBe(new StorageOptions("/tmp/data"));
        topology.StartupQuietPeriod.ShouldBe(TimeSpan.Zero);
    }

    [Theory]
    [InlineData("api", false, true)]
    [InlineData("Worker", true, false)]
    [InlineData("serve", true, true)]
    public void Roles_on_postgresql_split_the_work(string role, bool runsJobs, bool servesHttp)
    {
        var topology = From(("AlexNet:Role", role), ("AlexNet:Storage", "postgresql"), ("ConnectionStrings:AlexNet", "Host=db;Database=alexnet"));
        (topology.RunsJobs, topology.ServesHttp).ShouldBe((runsJobs, servesHttp));
        topology.Storage.Backend.ShouldBe(StorageBackend.PostgreSql);
        topology.Storage.ResultsConnectionString.ShouldBe("Host=db;Database=alexnet");
        topology.StartupQuietPeriod.ShouldBeGreaterThan(TimeSpan.Zero);
    }

    [Theory]
    [InlineData("AlexNet:Role", "scheduler", "AlexNet:Role must be serve, api or worker, not 'scheduler'.")]
    [InlineData("AlexNet:Role", "1", "AlexNet:Role must be serve, api or worker, not '1'.")]
    [InlineData("AlexNet:Storage", "mysql", "AlexNet:Storage must be Sqlite or PostgreSql, not 'mysql'.")]
    [InlineData("AlexNet:Storage", "PostgreSql", "AlexNet:Storage=PostgreSql needs ConnectionStrings:AlexNet")]
    [InlineData("AlexNet:Role", "worker", "AlexNet:Role=worker shares jobs and results with other processes, which SQLite files do not")]
    public void Settings_that_cannot_work_refuse_to_start(string key, string value, string message) =>
        Should.Throw<HostRefusedToStartException>(() => From((key, value))).Message.ShouldStartWith(message);
}
