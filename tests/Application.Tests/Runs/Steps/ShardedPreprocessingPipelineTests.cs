using System.Text.Json.Nodes;
using AlexNet.Experiments.Application.Experiments.SubmitExperiment;
using AlexNet.Experiments.Application.Runs.Steps;
using AlexNet.Experiments.Application.Runs.ReconcileRuns;
using AlexNet.Experiments.Application.Tests.Fakes;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Jobs;

namespace AlexNet.Experiments.Application.Tests;

/// <summary>Preprocessing as a plan, parallel shard steps and one merge, with every port faked.</summary>
public sealed class ShardedPreprocessingPipelineTests : IDisposable
{
    private readonly ApplicationHarness harness = new();

    public ShardedPreprocessingPipelineTests() => harness.Preprocessor.Shards = 3;

    public void Dispose() => harness.Dispose();

    private async Task<Guid> SubmitAsync(Domain.Datasets.Dataset dataset) =>
        (await harness.SendAsync(new SubmitExperimentCommand("exp", dataset.Id, "quickstart", JsonNode.Parse("""{ "epochs": 1 }""")!.AsObject()))).RunId;

    [Fact]
    public async Task The_plan_queues_every_shard_at_once_and_the_last_shard_queues_the_one_merge()
    {
        var runId = await SubmitAsync(await harness.AddDatasetAsync());

        await harness.DrainAsync();

        harness.Store.Runs[runId].Status.ShouldBe(RunStatus.Succeeded);
        harness.Scheduler.Enqueued.Select(s => s.ToString()).ShouldBe(
        [
            $"Preprocess of run {runId}", $"PreprocessShard 0 of run {runId}", $"PreprocessShard 1 of run {runId}", $"PreprocessShard 2 of run {runId}",
            $"PreprocessMerge of run {runId}", $"TrainEpoch 1 of run {runId}", $"Evaluate of run {runId}",
        ]);
        harness.Preprocessor.ShardsRun.Select(s => s.Shard).ShouldBe([0, 1, 2]);
        harness.Preprocessor.Merges.ShouldBe(1);
        harness.Store.Records[runId].DatasetVersionHash.ShouldBe("hash-of-shapes-76");
    }

    [Fact]
    public async Task A_second_run_on_the_same_version_waits_for_the_first_runs_shards_instead_of_decoding_again()
    {
        var dataset = await harness.AddDatasetAsync();
        var first = await SubmitAsync(dataset);
        var second = await SubmitAsync(dataset);

        await harness.DrainAsync();

        harness.Store.Runs[first].Status.ShouldBe(RunStatus.Succeeded);
        harness.Store.Runs[second].Status.ShouldBe(RunStatus.Succeeded);
        harness.Preprocessor.ShardsRun.Count.ShouldBe(3);
        harness.Scheduler.Enqueued.Where(s => s.Kind == RunStepKind.PreprocessShard).ShouldAllBe(s => s.RunId == first);
        harness.Store.Records[second].DatasetVersionHash.ShouldBe(harness.Store.Records[first].DatasetVersionHash);
    }

    [Fact]
    public async Task Reconciliation_requeues_a_lost_shard_and_the_run_completes()
    {
        var runId = await SubmitAsync(await harness.AddDatasetAsync());
        await harness.SendAsync(new ExecuteRunStepCommand(harness.Scheduler.Pending.Dequeue().Step)); // plan
        var lost = harness.Scheduler.Pending.Dequeue(); // shard 0, gone with a worker that died
        lost.Step.ShouldBe(new RunStep(runId, RunStepKind.PreprocessShard, Shard: 0));
        await harness.DrainAsync();
        harness.Store.Runs[runId].Status.ShouldBe(RunStatus.Preprocessing);
        harness.Preprocessor.Merges.ShouldBe(0);

        (await harness.SendAsync(new ReconcileRunsCommand(TimeSpan.Zero))).ShouldBe(1);
        (await harness.SendAsync(new ReconcileRunsCommand(TimeSpan.Zero))).ShouldBe(0); // the requeued shard is alive

        harness.Scheduler.Abandoned.ShouldBe([lost.JobId]);
        await harness.DrainAsync();
        harness.Store.Runs[runId].Status.ShouldBe(RunStatus.Succeeded);
        harness.Preprocessor.ShardsRun.Select(s => s.Shard).ShouldBe([1, 2, 0]);
        harness.Preprocessor.Merges.ShouldBe(1);
    }

    [Fact]
    public async Task Reconciliation_queues_the_merge_when_the_last_shard_died_before_claiming_it()
    {
        var runId = await SubmitAsync(await harness.AddDatasetAsync());
        await harness.SendAsync(new ExecuteRunStepCommand(harness.Scheduler.Pending.Dequeue().Step)); // plan
        var hash = (await harness.Store.GetPreprocessingAsync(runId, CancellationToken.None))!.ContentHash;
        while (harness.Scheduler.Pending.TryDequeue(out var shard))
        {
            await harness.Store.CompletePreprocessShardAsync(hash, shard.Step.Shard, CancellationToken.None); // done, then the worker died
            await harness.Preprocessor.PreprocessShardAsync(null!, "", hash, shard.Step.Shard, null, CancellationToken.None);
        }

        (await harness.SendAsync(new ReconcileRunsCommand(TimeSpan.Zero))).ShouldBe(1);

        harness.Scheduler.Pending.Single().Step.ShouldBe(new RunStep(runId, RunStepKind.PreprocessMerge));
        await harness.DrainAsync();
        harness.Store.Runs[runId].Status.ShouldBe(RunStatus.Succeeded);
    }

    [Fact]
    public async Task A_failed_merge_is_handed_to_the_run_waiting_for_the_same_version_which_fails_with_the_same_reason()
    {
        harness.Preprocessor.MergeFailure = new InvalidDataException("The dataset has no decodable training images.");
        var dataset = await harness.AddDatasetAsync();
        var first = await SubmitAsync(dataset);
        var second = await SubmitAsync(dataset);

        // Like a job server: a failed job is reported as failed, and the next one runs.
        int failed = 0;
        while (harness.Scheduler.Pending.TryDequeue(out var job))
        {
            try
            {
                await harness.SendAsync(new ExecuteRunStepCommand(job.Step));
            }
            catch (InvalidDataException)
            {
                failed++;
            }
        }

        failed.ShouldBe(2);
        harness.Store.Runs[first].Status.ShouldBe(RunStatus.Failed);
        harness.Store.Runs[second].Status.ShouldBe(RunStatus.Failed);
        harness.Store.Runs[second].Error.ShouldBe(harness.Store.Runs[first].Error);
        harness.Store.Runs[second].Error!.ShouldContain("no decodable training images");
        harness.Preprocessor.ShardsRun.Count.ShouldBe(3);
    }
}
