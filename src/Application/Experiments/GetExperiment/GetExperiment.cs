using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Storage;
using Mediator;

namespace AlexNet.Experiments.Application.Experiments.GetExperiment;

public sealed record GetExperimentQuery(Guid ExperimentId) : IQuery<ExperimentDetails?>;

public sealed record ExperimentDetails(Experiment Experiment, IReadOnlyList<Run> Runs);

public sealed class GetExperimentHandler(IResultsStore store) : IQueryHandler<GetExperimentQuery, ExperimentDetails?>
{
    public async ValueTask<ExperimentDetails?> Handle(GetExperimentQuery query, CancellationToken cancellationToken)
    {
        var experiment = await store.GetExperimentAsync(query.ExperimentId, cancellationToken);
        return experiment is null ? null : new ExperimentDetails(experiment, await store.ListRunsAsync(experiment.Id, cancellationToken));
    }
}
