using AlexNet.Experiments.Application.Datasets.ViewDataset;
using AlexNet.Experiments.Domain.Datasets;
using Mediator;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AlexNet.Experiments.Host.Pages.Datasets;

/// <summary>A dataset: sample images of its source per class, and each preprocessed version's mean image, colour PCA and skipped files.</summary>
public sealed class DatasetModel(IMediator mediator) : PageModel
{
    /// <summary>Classes shown per page, each with its samples: an ImageNet-sized source pages through them.</summary>
    public const int ClassesPerPage = 50;

    /// <summary>Skipped files listed per version; the API lists them all.</summary>
    public const int SkippedShown = 200;

    /// <summary>Samples shown per class, of the <see cref="SourceContents.MaxSamplesPerClass"/> the API serves.</summary>
    public const int SamplesShown = 6;

    public DatasetView View { get; private set; } = null!;

    public Dataset Dataset => View.Overview.Dataset;

    public int FirstClass { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid id, int? firstClass, CancellationToken cancellationToken)
    {
        if (await mediator.Send(new ViewDatasetQuery(id), cancellationToken) is not { } view)
        {
            return NotFound();
        }

        View = view;
        FirstClass = Math.Clamp(firstClass ?? 0, 0, Math.Max(0, view.Source.Classes.Count - 1)) / ClassesPerPage * ClassesPerPage;
        return Page();
    }

    public IEnumerable<(int Index, SourceClass Class)> ShownClasses =>
        View.Source.Classes.Select((c, i) => (i, c)).Skip(FirstClass).Take(ClassesPerPage);

    public string SampleUrl(int classIndex, int k) => $"/api/datasets/{Dataset.Id}/samples/{classIndex}/{k}.png";

    public string MeanImageUrl(DatasetVersion version) => $"/api/datasets/{Dataset.Id}/versions/{version.ContentHash}/mean.png";

    /// <summary>The R, G or B component of eigenvector i: column i of the row-major 3x3 matrix, the direction of eigenvalue i.</summary>
    public static double Eigenvector(ColourPca pca, int i, int channel) => pca.Eigenvectors[(channel * 3) + i];
}
