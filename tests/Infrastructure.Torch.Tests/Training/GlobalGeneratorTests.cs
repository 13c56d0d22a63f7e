using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Retrieval;
using AlexNet.Experiments.Domain.Training;
using AlexNet.Experiments.Infrastructure.Torch.Model;
using AlexNet.Experiments.Infrastructure.Torch.Retrieval;
using AlexNet.Experiments.Infrastructure.Torch.Training;
using static TorchSharp.torch;

namespace AlexNet.Experiments.Infrastructure.Torch.Tests.Training;

/// <summary>
/// Concurrent runs in one process share libtorch's global generator, so none of the run's work may read or write it: its
/// state is the same, byte for byte, before and after building, training (split and resumed), evaluating and extracting features.
/// </summary>
[Collection(TorchTrainingCollection.Name)]
public sealed class GlobalGeneratorTests(TrainedRunFixture fixture)
{
    [Fact]
    public async Task Building_training_evaluating_and_extracting_features_leave_the_global_generator_untouched()
    {
        manual_seed(Random.Shared.NextInt64());
        byte[] before = GlobalState();
        string directory = fixture.NewDirectory("global-generator");

        using (AlexNetModel.Create(fixture.Hyperparameters.Model, TrainedRunFixture.Classes, seed: 3))
        {
            GlobalState().ShouldBe(before, "building a model");
        }

        var request = fixture.Request(1, directory) with { TimeBudget = TimeSpan.Zero };
        EpochOutcome? outcome = null;
        for (int calls = 0; outcome is null; calls++)
        {
            outcome = await TrainedRunFixture.CreateTrainer().TrainEpochAsync(request, CancellationToken.None);
            GlobalState().ShouldBe(before, $"training call {calls + 1} (dropout, partial checkpoint)");
        }

        await new TorchEvaluator(TimeProvider.System).EvaluateAsync(
            new EvaluationRequest(fixture.RunId, fixture.Hyperparameters, fixture.Dataset, outcome.CheckpointPath), CancellationToken.None);
        GlobalState().ShouldBe(before, "evaluation");

        using var extractor = new TorchFeatureExtractor();
        var checkpoint = new ModelCheckpoint(fixture.RunId, fixture.Hyperparameters, TrainedRunFixture.Classes, 1, outcome.CheckpointPath);
        await extractor.ExtractAsync(checkpoint, fixture.Dataset, DatasetSplit.Validation, directory, CancellationToken.None);
        GlobalState().ShouldBe(before, "feature extraction");
    }

    private static byte[] GlobalState()
    {
        using var state = get_rng_state();
        return state.bytes.ToArray();
    }
}
