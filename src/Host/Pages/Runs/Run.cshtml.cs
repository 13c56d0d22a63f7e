using AlexNet.Experiments.Application.Experiments.GetExperiment;
using AlexNet.Experiments.Application.Runs.GetRun;
using AlexNet.Experiments.Application.Runs.GetRunMetrics;
using AlexNet.Experiments.Application.Runs.ReproduceRun;
using AlexNet.Experiments.Domain.Training;
using Mediator;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AlexNet.Experiments.Host.Pages.Runs;

public sealed class RunModel(IMediator mediator) : PageModel
{
    public RunDetails Details { get; private set; } = null!;

    public string ExperimentName { get; private set; } = "";

    public IReadOnlyList<EpochMetrics> Metrics { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken)
    {
        if (await mediator.Send(new GetRunQuery(id), cancellationToken) is not { } details)
        {
            return NotFound();
        }

        Details = details;
        ExperimentName = (await mediator.Send(new GetExperimentQuery(details.Run.ExperimentId), cancellationToken))?.Experiment.Name ?? "";
        Metrics = await mediator.Send(new GetRunMetricsQuery(id), cancellationToken) ?? [];
        return Page();
    }

    public async Task<IActionResult> OnPostReproduceAsync(Guid id, CancellationToken cancellationToken)
    {
        var queued = await mediator.Send(new ReproduceRunCommand(id), cancellationToken);
        return RedirectToPage("/Runs/Run", new { id = queued.RunId });
    }
}
