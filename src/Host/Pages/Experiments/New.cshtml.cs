using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Application.Datasets.ListDatasets;
using AlexNet.Experiments.Application.Experiments.GetExperiment;
using AlexNet.Experiments.Application.Runs.GetRun;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Experiments;
using Mediator;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AlexNet.Experiments.Host.Pages.Experiments;

/// <summary>
/// A preset's hyperparameters, or a run's, as a form that submits to POST /api/experiments: the same use case and validators
/// as the API, whose errors the page shows next to the fields they name.
/// </summary>
public sealed class NewModel(IMediator mediator) : PageModel
{
    public static IReadOnlyList<string> Presets { get; } = HyperparameterPresets.All.Keys.ToList();

    public IReadOnlyList<Dataset> Datasets { get; private set; } = [];

    public string Preset { get; private set; } = HyperparameterPresets.Quickstart;

    public Guid? DatasetId { get; private set; }

    public string Name { get; private set; } = "";

    /// <summary>The run whose record fills the form, when the page was opened by "Run again with changes…".</summary>
    public Guid? FromRun { get; private set; }

    public FormGroup Form { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(Guid? fromRun, string? preset, Guid? datasetId, CancellationToken cancellationToken)
    {
        Datasets = await mediator.Send(new ListDatasetsQuery(), cancellationToken);
        Hyperparameters hyperparameters;
        if (fromRun is { } runId)
        {
            if (await mediator.Send(new GetRunQuery(runId), cancellationToken) is not { } run)
            {
                return NotFound();
            }

            var experiment = await mediator.Send(new GetExperimentQuery(run.Run.ExperimentId), cancellationToken);
            FromRun = runId;
            Name = run.Run.ExperimentName;
            DatasetId = run.Run.DatasetId;
            Preset = experiment?.Experiment.Preset ?? Preset;
            hyperparameters = run.Hyperparameters;
        }
        else
        {
            if (Presets.FirstOrDefault(p => string.Equals(p, preset ?? Preset, StringComparison.OrdinalIgnoreCase)) is not { } known)
            {
                return NotFound();
            }

            Preset = known;
            DatasetId = datasetId;
            hyperparameters = HyperparameterPresets.All[known];
        }

        Form = HyperparameterForm.For(hyperparameters);
        return Page();
    }
}
