using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Application.Retrieval;
using AlexNet.Experiments.Application.Retrieval.ExtractFeatures;
using AlexNet.Experiments.Application.Retrieval.FindNeighbours;
using AlexNet.Experiments.Application.Retrieval.GetFeatures;
using AlexNet.Experiments.Application.Runs.GetRun;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AlexNet.Experiments.Host.Pages.Runs;

/// <summary>
/// The paper's Figure 4 for a run: each row a validation image followed by the training images nearest to it by fc7
/// distance. Without extracted training features the page says so and offers to extract them.
/// </summary>
public sealed class NeighboursModel(IMediator mediator) : PageModel
{
    public const int DefaultRows = 6;

    public RunDetails Details { get; private set; } = null!;

    public FeatureStatus? Features { get; private set; }

    /// <summary>Why the grid cannot be shown (the run has not succeeded, a bad ?images=), if it cannot.</summary>
    public string? Problem { get; private set; }

    public IReadOnlyList<NeighbourList> Rows { get; private set; } = [];

    public int K { get; private set; }

    public string Images { get; private set; } = "";

    public async Task<IActionResult> OnGetAsync(Guid id, string? images, int? k, CancellationToken cancellationToken)
    {
        if (await mediator.Send(new GetRunQuery(id), cancellationToken) is not { } details)
        {
            return NotFound();
        }

        Details = details;
        K = k ?? 6;
        int validation = details.DatasetVersion?.ValidationCount ?? 0;
        Images = images ?? string.Join(',', Enumerable.Range(0, Math.Min(DefaultRows, validation)).Select(i => $"{Splits.Validation}:{i}"));
        try
        {
            Features = await mediator.Send(new GetFeaturesQuery(id, Splits.Train), cancellationToken);
            if (Features?.State == FeatureStatus.Done)
            {
                var specs = Images.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                Rows = await mediator.Send(new FindNeighboursQuery(id, specs, K), cancellationToken);
            }
        }
        catch (ConflictException conflict)
        {
            Problem = conflict.Message;
        }
        catch (ValidationException invalid)
        {
            Problem = string.Join(" ", invalid.Errors.Select(e => e.ErrorMessage));
        }

        if (Features?.State == FeatureStatus.Pending)
        {
            ViewData["RefreshSeconds"] = 5;
        }

        return Page();
    }

    /// <remarks>A run that cannot have features is a conflict; the exception mapping answers 409 with the reason.</remarks>
    public async Task<IActionResult> OnPostExtractAsync(Guid id, CancellationToken cancellationToken)
    {
        await mediator.Send(new ExtractFeaturesCommand(id, Splits.Train), cancellationToken);
        return RedirectToPage("/Runs/Neighbours", new { id });
    }
}
