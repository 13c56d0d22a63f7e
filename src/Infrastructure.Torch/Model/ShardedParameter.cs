using TorchSharp.Modules;

namespace AlexNet.Experiments.Infrastructure.Torch.Model;

/// <summary>A parameter of the paper's network as stored across towers: the shards, concatenated on dim 0, are the grouped (one-device) parameter.</summary>
public sealed record ShardedParameter(string Name, IReadOnlyList<Parameter> Shards);
