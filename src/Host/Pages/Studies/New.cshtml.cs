using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Application.Datasets.ListDatasets;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Host.Pages.Experiments;
using Mediator;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AlexNet.Experiments.Host.Pages.Studies;

/// <summary>
/// A study as a form that submits to POST /api/studies (the same use case and validators as the API): a dataset, a preset with
/// every hyperparameter as a field (the shared overrides), a grid of named variants and/or one path's values, and seeds.
/// </summary>
public sealed class NewModel(IMediator mediator) : PageModel
{
    public IReadOnlyList<Dataset> Datasets { get; private set; } = [];

    public string Preset { get; private set; } = HyperparameterPresets.Quickstart;

    public FormGroup Form { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(string? preset, CancellationToken cancellationToken)
    {
        if (Experiments.NewModel.Presets.FirstOrDefault(p => string.Equals(p, preset ?? Preset, StringComparison.OrdinalIgnoreCase)) is not { } known)
        {
            return NotFound();
        }

        Datasets = await mediator.Send(new ListDatasetsQuery(), cancellationToken);
        Preset = known;
        Form = HyperparameterForm.For(HyperparameterPresets.All[known]);
        return Page();
    }
}
