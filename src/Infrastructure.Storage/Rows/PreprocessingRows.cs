using System.Text.Json;
using System.Text.Json.Serialization;
using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Studies;
using AlexNet.Experiments.Domain.Training;

namespace AlexNet.Experiments.Infrastructure.Storage;

/// <summary>A shard of a version being preprocessed; index -1 is the merge, present once claimed.</summary>
internal sealed class PreprocessShardRow
{
    public required string ContentHash { get; set; }
    public required int Index { get; set; }
    public string? JobId { get; set; }
    public bool Done { get; set; }
}

/// <summary>The version a run waits for while its shards are preprocessed.</summary>
internal sealed class PreprocessingRunRow
{
    public required Guid RunId { get; set; }
    public required string ContentHash { get; set; }
}
