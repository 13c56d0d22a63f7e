using AlexNet.Experiments.Domain.Storage;
using Mediator;

namespace AlexNet.Experiments.Application.Runs.GetRunArtifact;

/// <summary>The file behind one of a run's artifacts, found by its name among the run's stored artifacts (so never outside them). The file may be gone.</summary>
public sealed record GetRunArtifactQuery(Guid RunId, string Name) : IQuery<ArtifactFile?>;

public sealed record ArtifactFile(string Path, string Name, long Bytes);

public sealed class GetRunArtifactHandler(IArtifactIndex artifactIndex) : IQueryHandler<GetRunArtifactQuery, ArtifactFile?>
{
    public async ValueTask<ArtifactFile?> Handle(GetRunArtifactQuery query, CancellationToken cancellationToken) =>
        (await artifactIndex.ListArtifactsAsync(query.RunId, cancellationToken))
            .Where(a => string.Equals(a.Name, query.Name, StringComparison.Ordinal))
            .Select(a => new ArtifactFile(a.Path, query.Name, a.Bytes))
            .FirstOrDefault();
}
