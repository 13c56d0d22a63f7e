using AlexNet.Experiments.Application.Studies.ListStudies;
using Mediator;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AlexNet.Experiments.Host.Pages.Studies;

/// <summary>Every study, newest first (the API's GET /api/studies).</summary>
public sealed class IndexModel(IMediator mediator) : PageModel
{
    public IReadOnlyList<StudySummary> Studies { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Studies = await mediator.Send(new ListStudiesQuery(), cancellationToken);
}
