using AlexNet.Experiments.Domain.Datasets;
using Microsoft.EntityFrameworkCore;

namespace AlexNet.Experiments.Infrastructure.Storage;

public sealed partial class ResultsStore
{
    public async Task<bool> StartPreprocessingAsync(Guid runId, string contentHash, int shards, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(shards);
        bool added = false;
        await WriteAsync(async db =>
        {
            added = false; // a write that lost a race on PostgreSQL runs again
            if (await db.PreprocessingRuns.FirstOrDefaultAsync(r => r.RunId == runId, cancellationToken) is { } waiting)
            {
                waiting.ContentHash = contentHash;
            }
            else
            {
                db.PreprocessingRuns.Add(new PreprocessingRunRow { RunId = runId, ContentHash = contentHash });
            }

            // Inside the write transaction: of two runs planning the same version at once, exactly one adds the shards.
            if (!await db.PreprocessShards.AnyAsync(s => s.ContentHash == contentHash, cancellationToken))
            {
                db.PreprocessShards.AddRange(Enumerable.Range(0, shards).Select(i => new PreprocessShardRow { ContentHash = contentHash, Index = i }));
                added = true;
            }
        }, cancellationToken);
        return added;
    }

    public Task<VersionPreprocessing?> GetPreprocessingAsync(Guid runId, CancellationToken cancellationToken) =>
        ReadAsync(async db =>
        {
            if (await db.PreprocessingRuns.FirstOrDefaultAsync(r => r.RunId == runId, cancellationToken) is not { } waiting)
            {
                return null;
            }

            var rows = await db.PreprocessShards.Where(s => s.ContentHash == waiting.ContentHash).OrderBy(s => s.Index).ToListAsync(cancellationToken);
            var merge = rows.FirstOrDefault(s => s.Index == VersionPreprocessing.Merge);
            return new VersionPreprocessing(
                waiting.ContentHash,
                [.. rows.Where(s => s.Index >= 0).Select(s => new PreprocessShard(s.Index, s.JobId, s.Done))],
                merge is not null,
                merge?.JobId);
        }, cancellationToken);

    public Task<IReadOnlyList<Guid>> ListRunsAwaitingVersionAsync(string contentHash, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<Guid>>(async db => await db.PreprocessingRuns
            .Where(r => r.ContentHash == contentHash)
            .Join(db.Runs, w => w.RunId, r => r.Id, (w, r) => new { r.Id, r.CreatedAt })
            .OrderBy(r => r.CreatedAt).ThenBy(r => r.Id)
            .Select(r => r.Id)
            .ToListAsync(cancellationToken), cancellationToken);

    public async Task SetPreprocessJobAsync(string contentHash, int shard, string jobId, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        await db.PreprocessShards.Where(s => s.ContentHash == contentHash && s.Index == shard)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.JobId, jobId), cancellationToken);
    }

    public async Task CompletePreprocessShardAsync(string contentHash, int shard, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        await db.PreprocessShards.Where(s => s.ContentHash == contentHash && s.Index == shard && s.Index >= 0)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Done, true), cancellationToken);
    }

    public async Task<bool> TryClaimPreprocessMergeAsync(string contentHash, CancellationToken cancellationToken)
    {
        bool claimed = false;
        // Each shard's completion is committed before its job calls this, so whichever call comes last sees every shard done;
        // the merge row's key lets only one call add it.
        await WriteAsync(async db =>
        {
            claimed = false; // a write that lost a race on PostgreSQL runs again, and then finds the other's claim
            var shards = await db.PreprocessShards.Where(s => s.ContentHash == contentHash).Select(s => new { s.Index, s.Done }).ToListAsync(cancellationToken);
            if (shards.Count > 0 && shards.All(s => s.Index >= 0) && shards.All(s => s.Done))
            {
                db.PreprocessShards.Add(new PreprocessShardRow { ContentHash = contentHash, Index = VersionPreprocessing.Merge, Done = false });
                claimed = true;
            }
        }, cancellationToken);
        return claimed;
    }
}
