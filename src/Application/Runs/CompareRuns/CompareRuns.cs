using System.Text.Json;
using System.Text.Json.Nodes;
using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Application.Runs.SearchRuns;
using AlexNet.Experiments.Domain.Storage;
using AlexNet.Experiments.Domain.Training;
using FluentValidation;
using Mediator;

namespace AlexNet.Experiments.Application.Runs.CompareRuns;

/// <summary>Two or more runs side by side, in the order given. Ids as the client wrote them; the validator checks they are ids.</summary>
public sealed record CompareRunsQuery(IReadOnlyList<string> Ids) : IQuery<RunComparison>;

/// <param name="Runs">Each run with its final figures.</param>
/// <param name="Hyperparameters">Only the hyperparameters that differ: JSON path ("model.lrn.enabled") to one value per run, in run order.</param>
/// <param name="History">Each run's per-epoch metrics, in run order.</param>
public sealed record RunComparison(
    IReadOnlyList<RunListItem> Runs,
    IReadOnlyDictionary<string, IReadOnlyList<JsonNode?>> Hyperparameters,
    IReadOnlyList<RunHistory> History);

public sealed record RunHistory(Guid RunId, IReadOnlyList<EpochMetrics> Epochs);

public sealed class CompareRunsValidator : AbstractValidator<CompareRunsQuery>
{
    public const int MaxRuns = 20;

    public CompareRunsValidator()
    {
        RuleFor(q => q.Ids).Must(ids => ids.Count is >= 2 and <= MaxRuns).WithMessage($"Give between 2 and {MaxRuns} run ids, separated by commas.");
        RuleForEach(q => q.Ids).Must(id => Guid.TryParse(id, out _)).WithMessage((_, id) => $"'{id}' is not a run id.");
    }
}

public sealed class CompareRunsHandler(IRunStore runStore, IRunMetricsStore metricsStore) : IQueryHandler<CompareRunsQuery, RunComparison>
{
    public async ValueTask<RunComparison> Handle(CompareRunsQuery query, CancellationToken cancellationToken)
    {
        var ids = query.Ids.Select(Guid.Parse).Distinct().ToList();
        var found = (await runStore.SearchRunsAsync(new RunSearch { RunIds = ids, Limit = ids.Count }, cancellationToken)).Runs.ToDictionary(r => r.Run.Id);
        if (ids.FirstOrDefault(id => !found.ContainsKey(id)) is var missing && missing != Guid.Empty)
        {
            throw new NotFoundException("Run", missing);
        }

        var runs = ids.Select(id => found[id]).ToList();
        var flattened = runs.Select(r => Flatten(JsonSerializer.SerializeToNode(r.Run.Hyperparameters, HyperparameterJson.Options)!)).ToList();
        var differing = flattened.SelectMany(f => f.Keys).Distinct().Order(StringComparer.Ordinal)
            .Where(path => flattened.Select(f => f.GetValueOrDefault(path)?.ToJsonString()).Distinct().Count() > 1)
            .ToDictionary(path => path, path => (IReadOnlyList<JsonNode?>)flattened.Select(f => f.GetValueOrDefault(path)?.DeepClone()).ToList());

        var history = new List<RunHistory>();
        foreach (var id in ids)
        {
            history.Add(new RunHistory(id, await metricsStore.GetEpochMetricsAsync(id, cancellationToken)));
        }

        return new RunComparison(runs.Select(r => RunListItem.From(r)).ToList(), differing, history);
    }

    /// <summary>Leaves by dotted path; an array (the device list) is one value.</summary>
    private static Dictionary<string, JsonNode?> Flatten(JsonNode node)
    {
        var leaves = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        void Walk(JsonNode? current, string path)
        {
            if (current is JsonObject obj)
            {
                foreach (var (key, value) in obj)
                {
                    Walk(value, path.Length == 0 ? key : $"{path}.{key}");
                }
            }
            else
            {
                leaves[path] = current;
            }
        }

        Walk(node, "");
        return leaves;
    }
}
