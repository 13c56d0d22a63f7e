using AlexNet.Experiments.Domain.Storage;
using Microsoft.EntityFrameworkCore;

namespace AlexNet.Experiments.Infrastructure.Storage;

public sealed partial class ResultsStore
{
    public async Task<DatasetDeletion?> TryDeleteDatasetAsync(Guid datasetId, CancellationToken cancellationToken)
    {
        DatasetDeletion? deletion = null;
        await WriteAsync(async db =>
        {
            deletion = null;
            if (await db.Experiments.AnyAsync(e => e.DatasetId == datasetId, cancellationToken))
            {
                return;
            }

            var hashes = await db.DatasetVersions.Where(v => v.DatasetId == datasetId).Select(v => v.ContentHash).ToListAsync(cancellationToken);
            // The same content registered from another folder hashes the same: a version its runs trained on passes to that dataset.
            var heirs = await db.Runs.Where(r => r.DatasetVersionHash != null && hashes.Contains(r.DatasetVersionHash))
                .Join(db.Experiments, r => r.ExperimentId, e => e.Id, (r, e) => new { Hash = r.DatasetVersionHash!, e.DatasetId })
                .Distinct().ToListAsync(cancellationToken);
            foreach (var heir in heirs.DistinctBy(h => h.Hash))
            {
                await db.DatasetVersions.Where(v => v.ContentHash == heir.Hash)
                    .ExecuteUpdateAsync(set => set.SetProperty(v => v.DatasetId, heir.DatasetId), cancellationToken);
            }

            var removed = hashes.Except(heirs.Select(h => h.Hash)).ToList();
            // Its shard rows go too: a version preprocessed again later must be planned afresh, not found merged.
            await db.PreprocessShards.Where(s => removed.Contains(s.ContentHash)).ExecuteDeleteAsync(cancellationToken);
            await db.DatasetVersions.Where(v => removed.Contains(v.ContentHash)).ExecuteDeleteAsync(cancellationToken);
            if (await db.Datasets.Where(d => d.Id == datasetId).ExecuteDeleteAsync(cancellationToken) == 1)
            {
                deletion = new DatasetDeletion(removed);
            }
        }, cancellationToken);
        return deletion;
    }
}
