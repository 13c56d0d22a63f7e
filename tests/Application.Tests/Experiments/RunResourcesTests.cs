using System.Text.Json.Nodes;
using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Application.Experiments.SubmitExperiment;
using AlexNet.Experiments.Application.Runs.ReproduceRun;
using AlexNet.Experiments.Application.Tests.Fakes;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Experiments;
using FluentValidation;

namespace AlexNet.Experiments.Application.Tests;

/// <summary>Issue 8, promise 2: a submission is accepted exactly when its estimate fits the budget, and the refusal names both.</summary>
public sealed class RunResourcesTests : IDisposable
{
    private readonly ApplicationHarness harness = new();
    private const string source = "/datasets/files";

    public RunResourcesTests() => harness.Sources.Size = new DatasetSize(Classes: 1, Images: 15);

    public void Dispose() => harness.Dispose();

    private const string Overrides = """{ "epochs": 2, "data": { "imageSize": 1024 } }""";

    private static RunFootprint Expected() =>
        RunFootprint.Estimate(HyperparameterJson.Merge(HyperparameterPresets.All["quickstart"], JsonNode.Parse(Overrides)!.AsObject()), classCount: 2, imageCount: 15);

    private async Task<SubmittedExperiment> SubmitAsync()
    {
        var dataset = new Dataset(Guid.NewGuid(), "files", source, DatasetFormat.ImageFolder, DateTimeOffset.UnixEpoch);
        await harness.Store.AddDatasetAsync(dataset, CancellationToken.None);
        return await harness.SendAsync(new SubmitExperimentCommand("exp", dataset.Id, "quickstart", JsonNode.Parse(Overrides)!.AsObject()));
    }

    [Fact]
    public async Task A_run_whose_memory_estimate_equals_the_budget_is_accepted_and_one_byte_less_is_refused()
    {
        harness.Budget.MemoryBytes = Expected().MemoryBytes;
        await SubmitAsync();

        harness.Budget.MemoryBytes = Expected().MemoryBytes - 1;
        var refused = await Should.ThrowAsync<ValidationException>(SubmitAsync);
        var failure = refused.Errors.Single();
        failure.PropertyName.ShouldBe("hyperparameters");
        failure.ErrorMessage.ShouldStartWith("needs about ");
        failure.ErrorMessage.ShouldContain(" GB of memory; the budget is ");
        failure.ErrorMessage.ShouldContain("(test memory budget)");
        harness.Store.Experiments.Count.ShouldBe(1);
    }

    [Fact]
    public async Task A_run_whose_disk_estimate_exceeds_the_budget_is_refused_counting_the_sources_images()
    {
        // 15 images at 1024x1024x3 is 47 MB of store: the image size, not the checkpoints, decides here.
        Expected().DiskBytes.ShouldBeGreaterThan(15.0 * 3 * 1024 * 1024);
        harness.Budget.DiskBytes = Expected().DiskBytes;
        await SubmitAsync();

        harness.Budget.DiskBytes = Expected().DiskBytes - 1;
        var refused = await Should.ThrowAsync<ValidationException>(SubmitAsync);
        refused.Errors.Single().ErrorMessage.ShouldContain("of disk for 15 preprocessed images and 3 checkpoints; the budget is");
    }

    [Fact]
    public async Task A_reproduction_is_checked_against_the_budget_of_today()
    {
        var submitted = await SubmitAsync();
        harness.Budget.MemoryBytes = 1e6;

        var refused = await Should.ThrowAsync<ValidationException>(() => harness.SendAsync(new ReproduceRunCommand(submitted.RunId)));
        refused.Errors.Single().ErrorMessage.ShouldContain("of memory; the budget is 0.0 GB");
    }
}
