using AlexNet.Experiments.Application.Datasets.ListDatasetOverviews;
using AlexNet.Experiments.Application.Datasets.ListDatasetSources;
using AlexNet.Experiments.Application.Datasets.RegisterDataset;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Host.Api;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AlexNet.Experiments.Host.Pages.Datasets;

/// <summary>
/// Every dataset with its versions, and a form that registers a folder through the same use case and validators as
/// POST /api/datasets: a refused registration shows each error next to the field it names and stores nothing.
/// </summary>
public sealed class IndexModel(IMediator mediator) : PageModel
{
    public IReadOnlyList<DatasetOverview> Datasets { get; private set; } = [];

    public IReadOnlyList<DatasetSourceFolder> Folders { get; private set; } = [];

    [BindProperty]
    public RegistrationForm Registration { get; set; } = new();

    /// <summary>Messages by field ("name", "sourcePath", "format"), as the API's problem details name them.</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; private set; } = new Dictionary<string, string[]>();

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        // By name only, as the API's JSON takes it: Enum.TryParse alone would also take "1".
        if (!Enum.GetNames<DatasetFormat>().Contains(Registration.Format, StringComparer.OrdinalIgnoreCase))
        {
            Errors = new Dictionary<string, string[]> { ["format"] = [$"'{Registration.Format}' is not a dataset format."] };
        }
        else
        {
            try
            {
                var format = Enum.Parse<DatasetFormat>(Registration.Format!, ignoreCase: true);
                var registered = await mediator.Send(new RegisterDatasetCommand(Registration.Name ?? "", Registration.SourcePath ?? "", format), cancellationToken);
                return RedirectToPage("/Datasets/Dataset", new { id = registered.Dataset.Id });
            }
            catch (ValidationException invalid)
            {
                Errors = ProblemDetailsMapping.FieldErrors(invalid);
            }
        }

        Response.StatusCode = StatusCodes.Status400BadRequest;
        await LoadAsync(cancellationToken);
        return Page();
    }

    public string? ErrorFor(string field) => Errors.TryGetValue(field, out var messages) ? string.Join(" ", messages) : null;

    /// <summary>Errors naming no field of the form (e.g. the request as a whole).</summary>
    public IEnumerable<string> OtherErrors => Errors.Where(e => e.Key is not ("name" or "sourcePath" or "format")).SelectMany(e => e.Value);

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Datasets = await mediator.Send(new ListDatasetOverviewsQuery(), cancellationToken);
        Folders = await mediator.Send(new ListDatasetSourcesQuery(), cancellationToken);
    }

    public sealed class RegistrationForm
    {
        public string? Name { get; set; }

        public string? SourcePath { get; set; }

        public string? Format { get; set; } = nameof(DatasetFormat.ImageFolder);
    }
}
