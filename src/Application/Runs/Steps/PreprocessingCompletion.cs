using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Jobs;
using AlexNet.Experiments.Domain.Storage;
using AlexNet.Experiments.Domain.Training;

namespace AlexNet.Experiments.Application.Runs.Steps;

/// <summary>
/// Ends a run's preprocessing on a published version: checks both splits have images, writes the run's reproducible record
/// (canonical hyperparameters, seed, version, software, device), and moves the run to training.
/// </summary>
public sealed class PreprocessingCompletion(RunDatasets datasets, IRunStore runs, IRuntimeEnvironment runtime, TimeProvider clock)
{
    public async Task<RunStep?> FinishAsync(RunClaim claim, Dataset dataset, DatasetVersion version, CancellationToken cancellationToken)
    {
        var run = claim.Run;
        await datasets.PublishAsync(version, cancellationToken);
        if (version.TrainCount == 0 || version.ValidationCount == 0)
        {
            throw new InvalidOperationException(
                $"Dataset '{dataset.Name}' has {version.TrainCount} readable training and {version.ValidationCount} validation images ({version.SkippedCount} skipped); both splits need at least one.");
        }

        var canonicalJson = HyperparameterJson.ToCanonicalJson(run.Hyperparameters);
        var facts = runtime.Describe(run.Hyperparameters.Model);
        await runs.SaveHyperparameterRecordAsync(
            new HyperparameterRecord(
                run.Id, canonicalJson, HyperparameterJson.Sha256(canonicalJson), run.Hyperparameters.Seed,
                version.ContentHash, version.ClassNames.Count, facts.CodeVersion, facts.TorchSharpVersion, facts.LibTorchVersion, facts.Device,
                clock.GetUtcNow()),
            cancellationToken);

        return await claim.TryAdvanceAsync((r, now) => r.FinishPreprocessing(version.ContentHash, now), cancellationToken) ? claim.Run.NextStep : null;
    }
}
