using System.Text.Json.Nodes;
using AlexNet.Experiments.Domain.Studies;
using Mediator;

namespace AlexNet.Experiments.Application.Studies.ListStudies;

public sealed record ListStudiesQuery : IQuery<IReadOnlyList<StudySummary>>;

/// <param name="Varied">The grid's hyperparameter paths, in the order given.</param>
public sealed record StudySummary(
    Guid Id, string Name, Guid DatasetId, string Preset, Guid ExperimentId, DateTimeOffset CreatedAt, IReadOnlyList<string> Varied, IReadOnlyList<int> Seeds);

/// <summary>Newest first.</summary>
public sealed class ListStudiesHandler(IStudyStore studies) : IQueryHandler<ListStudiesQuery, IReadOnlyList<StudySummary>>
{
    public async ValueTask<IReadOnlyList<StudySummary>> Handle(ListStudiesQuery query, CancellationToken cancellationToken) =>
        (await studies.ListStudiesAsync(cancellationToken)).Select(study =>
        {
            var definition = JsonNode.Parse(study.DefinitionJson)!.AsObject();
            return new StudySummary(
                study.Id, study.Name, study.DatasetId, study.Preset, study.ExperimentId, study.CreatedAt,
                definition["grid"]!.AsObject().Select(a => a.Key).ToList(), definition["seeds"]!.AsArray().Select(s => s!.GetValue<int>()).ToList());
        }).ToList();
}
