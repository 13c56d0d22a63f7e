using AlexNet.Experiments.Application.Experiments.ListExperiments;
using AlexNet.Experiments.Application.Runs.GetRun;
using AlexNet.Experiments.Application.Runs.GetRunMetrics;
using AlexNet.Experiments.Domain.Training;
using Mediator;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AlexNet.Experiments.Host.Pages;

public sealed record RunRow(string ExperimentName, RunDetails Details, EpochMetrics? LastEpoch);

public sealed class IndexModel(IMediator mediator) : PageModel
{
    public IReadOnlyList<RunRow> Runs { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var rows = new List<RunRow>();
        foreach (var summary in await mediator.Send(new ListExperimentsQuery(), cancellationToken))
        {
            if (await mediator.Send(new GetRunQuery(summary.LatestRunId), cancellationToken) is { } details)
            {
                var metrics = await mediator.Send(new GetRunMetricsQuery(summary.LatestRunId), cancellationToken) ?? [];
                rows.Add(new RunRow(summary.Experiment.Name, details, metrics.Count > 0 ? metrics[^1] : null));
            }
        }

        Runs = rows;
    }
}
