using System.Globalization;
using AlexNet.Experiments.Application.Studies;
using AlexNet.Experiments.Domain.Studies;
using AlexNet.Experiments.Application.Studies.GetStudy;
using Mediator;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AlexNet.Experiments.Host.Pages.Studies;

/// <summary>A study's claims (effect, interval, verdict), its cells (mean ± spread and interval over seeds), its runs, and its comparison plot.</summary>
public sealed class StudyModel(IMediator mediator) : PageModel
{
    public StudyDetails Study { get; private set; } = null!;

    public bool InProgress => Study.Rows.Any(r => r.Status is { } status && !Domain.Experiments.RunStatuses.IsFinal(status));

    public async Task<IActionResult> OnGetAsync(Guid id, double? trainErrorTarget, CancellationToken cancellationToken)
    {
        // An invalid target in the address falls back to the study's own, as if none were given.
        double? target = trainErrorTarget is { } t && t is >= 0 and <= 1 ? t : null;
        if (await mediator.Send(new GetStudyQuery(id, target), cancellationToken) is not { } study)
        {
            return NotFound();
        }

        Study = study;
        return Page();
    }

    public static string Value(StudyRow row, string path) => StudyPlan.ValueText(row.Values[path]);

    public static string Value(StudyCell cell, string path) => StudyPlan.ValueText(cell.Values[path]);

    public static string Percent(MetricSpread m) => Spread(m, v => Format.Percent(v));

    public static string Seconds(MetricSpread m) => Spread(m, Format.Seconds);

    public static string Images(MetricSpread m) => Spread(m, v => v.ToString("#,0", CultureInfo.InvariantCulture));

    public static string Effect(ClaimResult claim, double? effect) => effect is { } e ? ClaimResult.FormatEffect(claim.Claim, e) : "–";

    public static string Design(ClaimResult claim) => claim.Design switch
    {
        ClaimDesign.Paired => $"paired, {claim.Pairs} seeds",
        ClaimDesign.Welch => $"Welch, {claim.BaselineN} and {claim.VariantN} runs",
        _ => $"{claim.BaselineN} and {claim.VariantN} runs",
    };

    /// <summary>Mean ± sample standard deviation [95% interval], as far as there are values for them.</summary>
    private static string Spread(MetricSpread m, Func<double, string> format) =>
        m.Mean is not { } mean ? "–"
        : format(mean) + (m.Spread is { } s ? " ± " + format(s) : "") + (m.Lower95 is { } low && m.Upper95 is { } high ? $" [{format(low)}, {format(high)}]" : "");
}
