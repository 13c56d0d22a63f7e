using System.Text.Json.Nodes;
using AlexNet.Experiments.Application.Experiments.SubmitExperiment;
using AlexNet.Experiments.Application.Experiments.DeleteExperiment;
using AlexNet.Experiments.Application.Runs;
using AlexNet.Experiments.Application.Runs.CancelRun;
using AlexNet.Experiments.Application.Runs.DeleteRun;
using AlexNet.Experiments.Application.Runs.Steps;
using AlexNet.Experiments.Application.Runs.ReconcileRuns;
using AlexNet.Experiments.Application.Runs.ReproduceRun;
using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Application.Tests.Fakes;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Jobs;
using AlexNet.Experiments.Domain.Training;
using FluentValidation;
using Snapshooter.Xunit;

namespace AlexNet.Experiments.Application.Tests;

/// <summary>Submit -> preprocess -> one step per epoch -> evaluate, with every port faked.</summary>
public sealed class RunPipelineTests : IDisposable
{
    private readonly ApplicationHarness harness = new();

    public void Dispose() => harness.Dispose();

    private async Task<SubmittedExperiment> SubmitAsync(string overrides = """{ "epochs": 3 }""")
    {
        var dataset = await harness.AddDatasetAsync();
        return await harness.SendAsync(new SubmitExperimentCommand("exp", dataset.Id, "quickstart", JsonNode.Parse(overrides)!.AsObject()));
    }

    [Fact]
    public async Task A_submitted_run_is_trained_one_step_per_epoch_then_evaluated()
    {
        var submitted = await SubmitAsync();
        harness.Store.Runs[submitted.RunId].Status.ShouldBe(RunStatus.Queued);

        await harness.DrainAsync();

        var run = harness.Store.Runs[submitted.RunId];
        run.Status.ShouldBe(RunStatus.Succeeded);
        run.EpochsCompleted.ShouldBe(3);
        run.DatasetVersionHash.ShouldBe("hash-of-shapes-76");
        harness.Scheduler.Enqueued.Select(s => s.ToString()).ShouldBe(
        [
            $"Preprocess of run {run.Id}", $"TrainEpoch 1 of run {run.Id}", $"TrainEpoch 2 of run {run.Id}", $"TrainEpoch 3 of run {run.Id}", $"Evaluate of run {run.Id}",
        ]);
        harness.Trainer.Requests.Select(r => r.Epoch).ShouldBe([1, 2, 3]);
        harness.Store.Metrics.Count.ShouldBe(3);
        // Each epoch is better than the last, so retention keeps only the newest checkpoint.
        harness.Store.Artifacts.Values.ShouldHaveSingleItem().Path.ShouldEndWith("epoch-003.ckpt");
        harness.Artifacts.Deleted.Select(Path.GetFileName).ShouldBe(["epoch-001.ckpt", "epoch-002.ckpt"]);
        harness.Evaluator.Requests.Single().CheckpointPath.ShouldEndWith("epoch-003.ckpt");
        harness.Store.Evaluations[run.Id].Top1Error.ShouldBe(0.25);
    }

    [Fact]
    public async Task The_hyperparameter_record_reproduces_the_run()
    {
        var submitted = await SubmitAsync();
        await harness.DrainAsync();

        var record = harness.Store.Records[submitted.RunId];
        record.Sha256.ShouldBe(submitted.HyperparametersSha256);
        record.Seed.ShouldBe(7);
        record.DatasetVersionHash.ShouldBe("hash-of-shapes-76");
        record.ClassCount.ShouldBe(3);
        Snapshot.Match(record, options => options.IgnoreField("RunId").IgnoreField("CreatedAt"));
    }

    [Fact]
    public async Task A_step_fetched_twice_changes_nothing_the_second_time()
    {
        var submitted = await SubmitAsync();
        await harness.DrainAsync();
        var before = harness.Store.Runs[submitted.RunId];

        await harness.SendAsync(new ExecuteRunStepCommand(new RunStep(submitted.RunId, RunStepKind.TrainEpoch, 2)));
        await harness.SendAsync(new ExecuteRunStepCommand(new RunStep(submitted.RunId, RunStepKind.Preprocess)));

        harness.Store.Runs[submitted.RunId].ShouldBe(before);
        harness.Trainer.Requests.Count.ShouldBe(3);
        harness.Preprocessor.Calls.ShouldBe(1);
        harness.Scheduler.Pending.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_step_handed_out_twice_at_once_advances_the_run_once_and_queues_one_next_step()
    {
        var submitted = await SubmitAsync();
        await harness.SendAsync(new ExecuteRunStepCommand(harness.Scheduler.Pending.Dequeue().Step)); // preprocess
        var epoch1 = harness.Scheduler.Pending.Dequeue().Step;
        harness.Trainer.WhileTraining = _ => harness.SendAsync(new ExecuteRunStepCommand(epoch1));

        await harness.SendAsync(new ExecuteRunStepCommand(epoch1));

        harness.Trainer.Requests.Count(r => r.Epoch == 1).ShouldBe(2);
        harness.Store.Runs[submitted.RunId].EpochsCompleted.ShouldBe(1);
        harness.Scheduler.Pending.Select(p => p.Step).ShouldBe([new RunStep(submitted.RunId, RunStepKind.TrainEpoch, 2)]);
        await harness.DrainAsync();
        harness.Store.Runs[submitted.RunId].Status.ShouldBe(RunStatus.Succeeded);
        harness.Trainer.Requests.Count.ShouldBe(4);
    }

    [Fact]
    public async Task A_cancelled_run_whose_step_is_still_stopping_is_not_deleted_until_the_step_has_returned()
    {
        var submitted = await SubmitAsync();
        await harness.SendAsync(new ExecuteRunStepCommand(harness.Scheduler.Pending.Dequeue().Step)); // preprocess
        Exception? deleteRun = null, deleteExperiment = null;
        harness.Trainer.WhileTraining = async _ =>
        {
            (await harness.SendAsync(new CancelRunCommand(submitted.RunId))).ShouldBe(RunStatus.Cancelled);
            deleteRun = await Record.ExceptionAsync(async () => await harness.SendAsync(new DeleteRunCommand(submitted.RunId)));
            deleteExperiment = await Record.ExceptionAsync(async () => await harness.SendAsync(new DeleteExperimentCommand(submitted.ExperimentId)));
        };

        await harness.SendAsync(new ExecuteRunStepCommand(harness.Scheduler.Pending.Dequeue().Step));

        deleteRun.ShouldBeOfType<ConflictException>().Message.ShouldContain("still stopping");
        deleteExperiment.ShouldBeOfType<ConflictException>().Message.ShouldContain("still stopping");
        harness.Artifacts.Deleted.ShouldBeEmpty();
        harness.Store.Runs.ShouldContainKey(submitted.RunId);

        await harness.SendAsync(new DeleteRunCommand(submitted.RunId));
        harness.Store.Runs.ShouldNotContainKey(submitted.RunId);
        harness.Artifacts.Deleted.ShouldHaveSingleItem().ShouldContain(submitted.RunId.ToString());
    }

    [Fact]
    public async Task An_epoch_that_outlasts_its_time_budget_continues_in_new_jobs()
    {
        harness.Trainer.PausesPerEpoch = 2;
        var submitted = await SubmitAsync("""{ "epochs": 2 }""");

        await harness.DrainAsync();

        harness.Store.Runs[submitted.RunId].Status.ShouldBe(RunStatus.Succeeded);
        harness.Scheduler.Enqueued.Count(s => s.Kind == RunStepKind.TrainEpoch).ShouldBe(6);
        harness.Trainer.Pauses.ShouldAllBe(r => r.TimeBudget == RunStepOptions.Default.TrainingStepBudget);
        harness.Store.Metrics.Count.ShouldBe(2);
    }

    [Fact]
    public async Task A_paused_step_handed_out_twice_queues_one_continuation()
    {
        harness.Trainer.PausesPerEpoch = 2;
        var submitted = await SubmitAsync();
        await harness.SendAsync(new ExecuteRunStepCommand(harness.Scheduler.Pending.Dequeue().Step)); // preprocess
        var epoch1 = harness.Scheduler.Pending.Dequeue().Step;
        harness.Trainer.WhileTraining = _ => harness.SendAsync(new ExecuteRunStepCommand(epoch1));

        await harness.SendAsync(new ExecuteRunStepCommand(epoch1));

        harness.Trainer.Pauses.Count.ShouldBe(2);
        harness.Scheduler.Pending.Select(p => p.Step).ShouldBe([epoch1]);
        harness.Store.Runs[submitted.RunId].EpochsCompleted.ShouldBe(0);
    }

    [Fact]
    public async Task Reproducing_a_run_queues_a_new_run_with_the_same_hyperparameters_byte_for_byte()
    {
        var original = await SubmitAsync();
        await harness.DrainAsync();

        var copy = await harness.SendAsync(new ReproduceRunCommand(original.RunId));
        await harness.DrainAsync();

        copy.RunId.ShouldNotBe(original.RunId);
        copy.ExperimentId.ShouldBe(original.ExperimentId);
        copy.HyperparametersSha256.ShouldBe(original.HyperparametersSha256);
        harness.Store.Runs[copy.RunId].Hyperparameters.ShouldBe(harness.Store.Runs[original.RunId].Hyperparameters);
        harness.Store.Runs[copy.RunId].SourceRunId.ShouldBe(original.RunId);
        harness.Store.Runs[copy.RunId].Status.ShouldBe(RunStatus.Succeeded);
        harness.Store.Records[copy.RunId].Sha256.ShouldBe(harness.Store.Records[original.RunId].Sha256);
    }

    [Fact]
    public async Task Reproducing_an_unknown_run_is_not_found() =>
        await Should.ThrowAsync<NotFoundException>(() => harness.SendAsync(new ReproduceRunCommand(Guid.NewGuid())));

    [Fact]
    public async Task The_learning_rate_of_each_epoch_follows_the_schedule()
    {
        await SubmitAsync("""{ "epochs": 4, "optimizer": { "learningRate": 0.1 }, "schedule": { "kind": "Step", "stepEpochs": 2 } }""");
        await harness.DrainAsync();
        harness.Trainer.Requests.Select(r => r.LearningRate).ShouldBe([0.1, 0.1, 0.01, 0.01], tolerance: 1e-12);
    }

    [Fact]
    public async Task A_failing_step_marks_the_run_failed_with_the_reason()
    {
        harness.Trainer.Failure = r => r.Epoch == 2 ? new InvalidOperationException("out of memory") : null;
        var submitted = await SubmitAsync();

        await Should.ThrowAsync<InvalidOperationException>(harness.DrainAsync);

        var run = harness.Store.Runs[submitted.RunId];
        run.Status.ShouldBe(RunStatus.Failed);
        run.Error.ShouldBe("TrainEpoch: out of memory");
        run.EpochsCompleted.ShouldBe(1);
    }

    [Fact]
    public async Task Invalid_submission_stores_and_schedules_nothing()
    {
        var dataset = await harness.AddDatasetAsync();
        var command = new SubmitExperimentCommand("", dataset.Id, "quickstart", JsonNode.Parse("""{ "model": { "dropout": 2 } }""")!.AsObject());

        var error = await Should.ThrowAsync<ValidationException>(() => harness.SendAsync(command));

        error.Errors.Select(e => e.PropertyName).ShouldBe(["Name", "hyperparameters.model.dropout"], ignoreOrder: true);
        harness.Store.Experiments.ShouldBeEmpty();
        harness.Store.Runs.ShouldBeEmpty();
        harness.Scheduler.Enqueued.ShouldBeEmpty();
    }

    [Fact]
    public async Task Submission_for_an_unknown_dataset_is_rejected()
    {
        var command = new SubmitExperimentCommand("exp", Guid.NewGuid(), "quickstart", null);
        var error = await Should.ThrowAsync<ValidationException>(() => harness.SendAsync(command));
        error.Errors.Single().PropertyName.ShouldBe("DatasetId");
    }

    [Fact]
    public async Task Reconcile_requeues_a_run_whose_job_died_and_leaves_live_ones_alone()
    {
        var orphan = await SubmitAsync();
        harness.Scheduler.Pending.Clear(); // the job store lost the job, e.g. a crash between steps
        var live = await SubmitAsync();

        int requeued = await harness.SendAsync(new ReconcileRunsCommand(TimeSpan.Zero));

        requeued.ShouldBe(1);
        harness.Scheduler.Abandoned.ShouldBe(["job-1"]); // the dead job may not come back later as a second chain
        harness.Scheduler.Pending.Select(p => p.Step.RunId).ShouldBe([live.RunId, orphan.RunId]);
        await harness.DrainAsync();
        harness.Store.Runs[orphan.RunId].Status.ShouldBe(RunStatus.Succeeded);
        harness.Store.Runs[live.RunId].Status.ShouldBe(RunStatus.Succeeded);
    }

    [Fact]
    public async Task A_periodic_reconciliation_leaves_a_run_alone_while_it_is_being_submitted()
    {
        var submitted = await SubmitAsync();
        harness.Scheduler.Pending.Clear();

        (await harness.SendAsync(new ReconcileRunsCommand(QuietPeriod: TimeSpan.FromDays(365)))).ShouldBe(0);
        harness.Scheduler.Pending.ShouldBeEmpty();
        harness.Store.Runs[submitted.RunId].Status.ShouldBe(RunStatus.Queued);
    }

    [Fact]
    public async Task A_diverging_run_ends_Diverged_with_its_epoch_and_batch_and_null_metrics()
    {
        harness.Trainer.Failure = r => r.Epoch == 2 ? new TrainingDivergedException(2, 3, double.PositiveInfinity) : null;
        var submitted = await SubmitAsync();

        await harness.DrainAsync(); // an outcome, not a fault: the step does not throw

        var run = harness.Store.Runs[submitted.RunId];
        run.Status.ShouldBe(RunStatus.Diverged);
        run.IsFinished.ShouldBeTrue();
        run.Divergence.ShouldBe(new Divergence(2, 3));
        run.EpochsCompleted.ShouldBe(1);
        run.Error.ShouldBe("The training loss became Infinity at epoch 2, batch 3.");
        harness.Store.Metrics[(run.Id, 2)].TrainLoss.ShouldBe(double.NaN);
        harness.Scheduler.Enqueued.ShouldNotContain(s => s.Kind == RunStepKind.Evaluate || s.Epoch == 3);
        harness.Evaluator.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_failing_duplicate_execution_does_not_overwrite_the_run_its_twin_advanced()
    {
        var submitted = await SubmitAsync();
        await harness.SendAsync(new ExecuteRunStepCommand(harness.Scheduler.Pending.Dequeue().Step)); // preprocess
        var epoch1 = harness.Scheduler.Pending.Dequeue().Step;
        harness.Trainer.WhileTraining = _ => harness.SendAsync(new ExecuteRunStepCommand(epoch1));
        // The twin started inside finishes epoch 1; then the outer execution fails (e.g. its process ran out of memory).
        harness.Trainer.Failure = r => harness.Trainer.Requests.Any(done => done.Epoch == r.Epoch) ? new InvalidOperationException("out of memory") : null;

        await Should.ThrowAsync<InvalidOperationException>(() => harness.SendAsync(new ExecuteRunStepCommand(epoch1)));

        var run = harness.Store.Runs[submitted.RunId];
        run.Status.ShouldBe(RunStatus.Training);
        run.EpochsCompleted.ShouldBe(1);
        run.Error.ShouldBeNull();
        harness.Trainer.Failure = _ => null;
        await harness.DrainAsync();
        harness.Store.Runs[submitted.RunId].Status.ShouldBe(RunStatus.Succeeded);
    }

    [Fact]
    public async Task A_stale_failing_step_leaves_a_succeeded_run_succeeded()
    {
        var submitted = await SubmitAsync();
        await harness.DrainAsync();
        var succeeded = harness.Store.Runs[submitted.RunId];
        harness.Trainer.Failure = _ => new InvalidOperationException("boom");

        await harness.SendAsync(new ExecuteRunStepCommand(new RunStep(submitted.RunId, RunStepKind.TrainEpoch, 3)));

        harness.Store.Runs[submitted.RunId].ShouldBe(succeeded);
    }

    [Fact]
    public async Task Evaluation_uses_the_last_epoch_by_number_not_by_file_name()
    {
        var submitted = await SubmitAsync("""{ "epochs": 1000 }""");

        await harness.DrainAsync();

        harness.Store.Runs[submitted.RunId].Status.ShouldBe(RunStatus.Succeeded);
        // "epoch-1000.ckpt" sorts before "epoch-999.ckpt" as text
        harness.Evaluator.Requests.Single().CheckpointPath.ShouldEndWith("epoch-1000.ckpt");
    }
}
