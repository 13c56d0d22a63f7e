using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Application.Runs.CancelRun;
using AlexNet.Experiments.Application.Runs.GetRun;
using AlexNet.Experiments.Application.Runs.GetRunMetrics;
using AlexNet.Experiments.Application.Runs.GetRunTensorBoard;
using AlexNet.Experiments.Application.Runs.ReproduceRun;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Training;
using Mediator;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AlexNet.Experiments.Host.Pages.Runs;

public sealed class RunModel(IMediator mediator) : PageModel
{
    public RunDetails Details { get; private set; } = null!;

    public IReadOnlyList<EpochMetrics> Metrics { get; private set; } = [];

    /// <summary>The run's TensorBoard event files written so far.</summary>
    public int TensorBoardFiles { get; private set; }

    public bool IsFinished => Details.Run.Status.IsFinal();

    public string HyperparametersJson => Format.IndentedJson(HyperparameterJson.ToCanonicalJson(Details.Hyperparameters));

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken)
    {
        if (await mediator.Send(new GetRunQuery(id), cancellationToken) is not { } details)
        {
            return NotFound();
        }

        Details = details;
        Metrics = await mediator.Send(new GetRunMetricsQuery(id), cancellationToken) ?? [];
        TensorBoardFiles = (await mediator.Send(new GetRunTensorBoardQuery(id), cancellationToken))?.Count ?? 0;
        return Page();
    }

    public async Task<IActionResult> OnPostReproduceAsync(Guid id, CancellationToken cancellationToken)
    {
        var queued = await mediator.Send(new ReproduceRunCommand(id), cancellationToken);
        return RedirectToPage("/Runs/Run", new { id = queued.RunId });
    }

    /// <remarks>A run that finished meanwhile is a conflict; the exception mapping answers 409 with the reason.</remarks>
    public async Task<IActionResult> OnPostCancelAsync(Guid id, CancellationToken cancellationToken)
    {
        await mediator.Send(new CancelRunCommand(id), cancellationToken);
        return RedirectToPage("/Runs/Run", new { id });
    }
}
