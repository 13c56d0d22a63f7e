using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Application.Runs.CompareRuns;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AlexNet.Experiments.Host.Pages;

/// <summary>Runs side by side (the API's GET /api/runs/compare): what differs, final figures, and overlaid curves.</summary>
public sealed class CompareModel(IMediator mediator) : PageModel
{
    public IReadOnlyList<string> Ids { get; private set; } = [];

    public RunComparison? Comparison { get; private set; }

    public IReadOnlyList<string> Errors { get; private set; } = [];

    /// <param name="ids">Repeated (the list's checkboxes) or comma-separated (links).</param>
    public async Task OnGetAsync(string[] ids, CancellationToken cancellationToken)
    {
        Ids = ids.SelectMany(i => i.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        if (Ids.Count == 0)
        {
            return;
        }

        try
        {
            Comparison = await mediator.Send(new CompareRunsQuery(Ids), cancellationToken);
        }
        catch (ValidationException invalid)
        {
            Errors = invalid.Errors.Select(e => e.ErrorMessage).Distinct().ToList();
        }
        catch (NotFoundException missing)
        {
            Errors = [missing.Message];
        }
    }
}
