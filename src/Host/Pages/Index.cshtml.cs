using AlexNet.Experiments.Application.Runs.SearchRuns;
using AlexNet.Experiments.Domain.Experiments;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AlexNet.Experiments.Host.Pages;

/// <summary>The runs list: the API's run search (GET /api/runs) as a form, newest first.</summary>
public sealed class IndexModel(IMediator mediator) : PageModel
{
    public static IReadOnlyList<string> Statuses { get; } = Enum.GetNames<RunStatus>();

    public static IReadOnlyList<string> Orders { get; } =
        ["createdAt", "updatedAt", "validationTop1Error", "validationTop5Error", "evaluationTop1Error", "evaluationTop5Error", "trainLoss"];

    [BindProperty(SupportsGet = true)]
    public string[] Status { get; set; } = [];

    /// <summary>Conditions as the API takes them (model.lrn.enabled=false, validationTop1Error&lt;0.4); blank ones are ignored.</summary>
    [BindProperty(SupportsGet = true)]
    public string[] Filter { get; set; } = [];

    [BindProperty(SupportsGet = true)]
    public string? Q { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? OrderBy { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Direction { get; set; }

    [BindProperty(SupportsGet = true, Name = "page")]
    public int PageNumber { get; set; } = 1;

    public RunList? Runs { get; private set; }

    public IReadOnlyList<string> Errors { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        try
        {
            Runs = await mediator.Send(
                new SearchRunsQuery
                {
                    Status = Status.Where(s => !string.IsNullOrWhiteSpace(s)).ToList(),
                    Filter = Filter.Where(f => !string.IsNullOrWhiteSpace(f)).ToList(),
                    Q = string.IsNullOrWhiteSpace(Q) ? null : Q,
                    OrderBy = string.IsNullOrWhiteSpace(OrderBy) ? null : OrderBy,
                    Direction = string.IsNullOrWhiteSpace(Direction) ? null : Direction,
                    Page = Math.Max(1, PageNumber),
                    Limit = 50,
                },
                cancellationToken);
        }
        catch (ValidationException invalid)
        {
            Errors = invalid.Errors.Select(e => e.ErrorMessage).Distinct().ToList();
        }
    }

    /// <summary>This search's query string with another page number.</summary>
    public string PageLink(int page) => QueryString.Create(
        Request.Query.Where(p => p.Key != "page").SelectMany(p => p.Value.Select(v => new KeyValuePair<string, string?>(p.Key, v)))
            .Append(new("page", page.ToString(System.Globalization.CultureInfo.InvariantCulture)))).ToUriComponent();
}
