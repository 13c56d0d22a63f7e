using System.Text.Json;
using System.Text.Json.Serialization;
using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Studies;
using AlexNet.Experiments.Domain.Training;

namespace AlexNet.Experiments.Infrastructure.Storage;

// Persistence rows: the database's shape, mapped explicitly to and from the Domain records so neither constrains the other.
// DateTimeOffset columns hold UTC Unix milliseconds (see ResultsDbContext.ConfigureConventions).

internal static class Real
{
    public static double? ToColumn(double value) => double.IsNaN(value) ? null : value;

    public static double FromColumn(double? value) => value ?? double.NaN;
}

internal static class StorageJson
{
    // Named literals so a NaN per-class accuracy (a class with no validation images) or infinity survives the round trip.
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.General)
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static T Deserialize<T>(string json) =>
        JsonSerializer.Deserialize<T>(json, Options) ?? throw new InvalidOperationException($"Stored JSON '{json}' is null.");
}
