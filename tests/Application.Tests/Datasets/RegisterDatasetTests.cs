using AlexNet.Experiments.Application.Datasets.GetDataset;
using AlexNet.Experiments.Application.Datasets.RegisterDataset;
using AlexNet.Experiments.Application.Tests.Fakes;
using AlexNet.Experiments.Domain.Datasets;
using FluentValidation;

namespace AlexNet.Experiments.Application.Tests;

public sealed class RegisterDatasetTests : IDisposable
{
    private readonly ApplicationHarness harness = new();

    public void Dispose() => harness.Dispose();

    [Fact]
    public async Task The_same_folder_and_format_again_returns_the_existing_dataset()
    {
        harness.Sources.Valid["sources/fashion"] = "/data/sources/fashion";
        harness.Sources.Valid["/data/sources/fashion"] = "/data/sources/fashion";

        var first = await harness.SendAsync(new RegisterDatasetCommand("fashion", "sources/fashion", DatasetFormat.Idx));
        var again = await harness.SendAsync(new RegisterDatasetCommand("other name", "/data/sources/fashion", DatasetFormat.Idx));
        var asFolder = await harness.SendAsync(new RegisterDatasetCommand("as folder", "/data/sources/fashion"));

        first.Existing.ShouldBeFalse();
        first.Dataset.SourcePath.ShouldBe("/data/sources/fashion");
        first.Dataset.Format.ShouldBe(DatasetFormat.Idx);
        again.Existing.ShouldBeTrue();
        again.Dataset.ShouldBe(first.Dataset);
        asFolder.Existing.ShouldBeFalse();
        asFolder.Dataset.Format.ShouldBe(DatasetFormat.ImageFolder);
        harness.Store.Datasets.Count.ShouldBe(2);
    }

    [Fact]
    public async Task A_refused_source_is_a_validation_error_on_source_path_and_stores_nothing()
    {
        var error = await Should.ThrowAsync<ValidationException>(() => harness.SendAsync(new RegisterDatasetCommand("x", "/etc")));

        error.Errors.ShouldHaveSingleItem().PropertyName.ShouldBe("sourcePath");
        error.Errors.Single().ErrorMessage.ShouldBe("No dataset folder '/etc' under the configured dataset roots.");
        harness.Store.Datasets.ShouldBeEmpty();
    }

    [Fact]
    public async Task An_unknown_format_is_rejected_before_the_source_is_looked_at()
    {
        harness.Sources.Valid["/data/x"] = "/data/x";
        var error = await Should.ThrowAsync<ValidationException>(() => harness.SendAsync(new RegisterDatasetCommand("x", "/data/x", (DatasetFormat)42)));
        error.Errors.Select(e => e.PropertyName).ShouldContain("Format");
    }

    [Fact]
    public async Task A_dataset_is_listed_with_its_versions_and_their_skipped_files()
    {
        var dataset = await harness.AddDatasetAsync();
        var version = await harness.Preprocessor.PreprocessAsync(dataset, new PreprocessingSettings(16), "/store", null, CancellationToken.None);
        await harness.Store.AddDatasetVersionAsync(version, CancellationToken.None);

        var details = (await harness.SendAsync(new GetDatasetQuery(dataset.Id))).ShouldNotBeNull();

        details.Dataset.ShouldBe(dataset);
        details.Versions.ShouldHaveSingleItem().Skipped.ShouldBe([new SkippedFile("train/a/bad.jpg", "not a decodable JPEG or PNG image")]);
        (await harness.SendAsync(new GetDatasetQuery(Guid.NewGuid()))).ShouldBeNull();
    }
}
