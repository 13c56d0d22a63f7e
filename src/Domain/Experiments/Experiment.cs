namespace AlexNet.Experiments.Domain.Experiments;

public sealed record Experiment(Guid Id, string Name, Guid DatasetId, string Preset, DateTimeOffset CreatedAt);

/// <summary>
/// The immutable record that reproduces a run: the canonical hyperparameter JSON and its SHA-256, the seed,
/// the dataset version and the software and device it ran on. Written once, when the dataset version is known.
/// </summary>
public sealed record HyperparameterRecord(
    Guid RunId,
    string CanonicalJson,
    string Sha256,
    int Seed,
    string DatasetVersionHash,
    int ClassCount,
    string CodeVersion,
    string TorchSharpVersion,
    string LibTorchVersion,
    string Device,
    DateTimeOffset CreatedAt);

public sealed record RuntimeFacts(string CodeVersion, string TorchSharpVersion, string LibTorchVersion, string Device);
