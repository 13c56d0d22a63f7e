using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Storage;
using Mediator;

namespace AlexNet.Experiments.Application.Experiments.GetExperiment;

public sealed record GetExperimentQuery(Guid ExperimentId) : IQuery<ExperimentDetails?>;

public sealed record ExperimentDetails(Experiment Experiment, IReadOnlyList<Run> Runs);

public sealed class GetExperimentHandler(IExperimentStore experimentStore, IRunStore runStore) : IQueryHandler<GetExperimentQuery, ExperimentDetails?>
{
    public async ValueTask<ExperimentDetails?> Handle(GetExperimentQuery query, CancellationToken cancellationToken)
    {
        var experiment = await experimentStore.GetExperimentAsync(query.ExperimentId, cancellationToken);
        return experiment is null ? null : new ExperimentDetails(experiment, await runStore.ListRunsAsync(experiment.Id, cancellationToken));
    }
}
