using AlexNet.Experiments.Application.Studies;
using AlexNet.Experiments.Application.Studies.GetStudy;
using Mediator;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AlexNet.Experiments.Host.Pages.Studies;

/// <summary>A study's cells (mean ± spread over seeds), its runs, and its comparison plot.</summary>
public sealed class StudyModel(IMediator mediator) : PageModel
{
    /// <summary>The paper's Figure 1 target, used when the query names none.</summary>
    public const double DefaultTrainErrorTarget = 0.25;

    public StudyDetails Study { get; private set; } = null!;

    public bool InProgress => Study.Rows.Any(r => r.Status is { } status && !Domain.Experiments.RunStatuses.IsFinal(status));

    public async Task<IActionResult> OnGetAsync(Guid id, double? trainErrorTarget, CancellationToken cancellationToken)
    {
        double target = trainErrorTarget is { } t && t is >= 0 and <= 1 ? t : DefaultTrainErrorTarget;
        if (await mediator.Send(new GetStudyQuery(id, target), cancellationToken) is not { } study)
        {
            return NotFound();
        }

        Study = study;
        return Page();
    }

    public static string Value(StudyRow row, string path) => StudyPlan.ValueText(row.Values[path]);

    public static string Value(StudyCell cell, string path) => StudyPlan.ValueText(cell.Values[path]);

    public static string Percent(MetricSpread m) =>
        m.Mean is { } mean ? Format.Percent(mean) + (m.Spread is { } s ? " ± " + Format.Percent(s) : "") : "–";

    public static string Seconds(MetricSpread m) =>
        m.Mean is { } mean ? Format.Seconds(mean) + (m.Spread is { } s ? " ± " + Format.Seconds(s) : "") : "–";

    public static string Epochs(MetricSpread m) =>
        m.Mean is { } mean ? mean.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture) + (m.Spread is { } s ? " ± " + s.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture) : "") : "–";
}
