using System.Text.Json.Nodes;
using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Application.Experiments;
using AlexNet.Experiments.Domain.Experiments;
using Snapshooter.Xunit;

namespace AlexNet.Experiments.Application.Tests;

public sealed class HyperparameterJsonTests
{
    private static readonly string[] Cpu = ["cpu"];

    [Fact]
    public void Canonical_json_sorts_keys_and_round_trips()
    {
        var json = HyperparameterJson.ToCanonicalJson(new Hyperparameters());
        json.ShouldNotContain(" ");
        json.IndexOf("\"batchSize\"").ShouldBeLessThan(json.IndexOf("\"data\""));
        json.IndexOf("\"activation\"").ShouldBeLessThan(json.IndexOf("\"devices\""));
        HyperparameterJson.FromJson(json).ShouldBe(new Hyperparameters());
    }

    [Fact]
    public void Equal_settings_hash_equally_and_any_change_changes_the_hash()
    {
        string Hash(Hyperparameters h) => HyperparameterJson.Sha256(HyperparameterJson.ToCanonicalJson(h));
        Hash(new Hyperparameters()).ShouldBe(Hash(new Hyperparameters()));
        Hash(new Hyperparameters()).ShouldNotBe(Hash(new Hyperparameters { Model = new ModelHyperparameters { Dropout = 0.4 } }));
        Hash(new Hyperparameters()).Length.ShouldBe(64);
    }

    [Fact]
    public void Overrides_replace_only_the_fields_they_name()
    {
        var overrides = JsonNode.Parse("""{ "epochs": 3, "model": { "dropout": 0.25, "lrn": { "convention": "PyTorch" } } }""")!.AsObject();
        var (resolved, failures) = HyperparameterResolution.Resolve("paper-2012", overrides, Cpu);
        failures.ShouldBeEmpty();
        resolved!.Epochs.ShouldBe(3);
        resolved.Model.Dropout.ShouldBe(0.25);
        resolved.Model.Lrn.Convention.ShouldBe(LrnConvention.PyTorch);
        resolved.Model.Lrn.K.ShouldBe(2.0);
        resolved.Optimizer.ShouldBe(new OptimizerHyperparameters());
    }

    [Theory]
    [InlineData("paper-2012")]
    [InlineData("quickstart")]
    [InlineData("fashion-mnist")]
    public void Every_preset_is_valid_as_it_stands(string preset)
    {
        HyperparameterResolution.Resolve(preset, overrides: null, Cpu).Failures.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("""{ "model": { "conv1": { "kernel": 5, "padding": 5 } } }""", "hyperparameters.model.conv1.padding")]
    [InlineData("""{ "model": { "conv1": { "stride": 0 } } }""", "hyperparameters.model.conv1.stride")]
    [InlineData("""{ "model": { "inputSize": 14 } }""", "hyperparameters.model.inputSize")]
    [InlineData("""{ "data": { "trainImages": -1 } }""", "hyperparameters.data.trainImages")]
    public void Small_image_settings_out_of_range_name_their_field(string json, string field)
    {
        var (_, failures) = HyperparameterResolution.Resolve("fashion-mnist", JsonNode.Parse(json)!.AsObject(), Cpu);
        failures.Select(f => f.PropertyName).ShouldBe([field]);
    }

    [Fact]
    public void Unknown_field_is_reported_with_its_path()
    {
        var overrides = JsonNode.Parse("""{ "model": { "dropuot": 0.3 } }""")!.AsObject();
        var (resolved, failures) = HyperparameterResolution.Resolve("quickstart", overrides, Cpu);
        resolved.ShouldBeNull();
        failures.Single().PropertyName.ShouldBe("hyperparameters.model.dropuot");
    }

    [Fact]
    public void Wrong_type_is_reported_with_its_path()
    {
        var overrides = JsonNode.Parse("""{ "batchSize": "large" }""")!.AsObject();
        var (_, failures) = HyperparameterResolution.Resolve("quickstart", overrides, Cpu);
        failures.Single().PropertyName.ShouldBe("hyperparameters.batchSize");
    }

    [Theory]
    [InlineData("""{ "model": { "dropout": 1.5 } }""", "hyperparameters.model.dropout")]
    [InlineData("""{ "batchSize": 0 }""", "hyperparameters.batchSize")]
    [InlineData("""{ "batchSlices": 0 }""", "hyperparameters.batchSlices")]
    [InlineData("""{ "batchSlices": 33 }""", "hyperparameters.batchSlices")] // more slices than the batch has images
    [InlineData("""{ "model": { "inputSize": 40 } }""", "hyperparameters.model.inputSize")]
    [InlineData("""{ "model": { "devices": ["cuda:0", "cuda:1"] } }""", "hyperparameters.model.devices[0]")]
    [InlineData("""{ "model": { "lrn": { "size": 4 } } }""", "hyperparameters.model.lrn.size")]
    [InlineData("""{ "optimizer": { "momentum": 1 } }""", "hyperparameters.optimizer.momentum")]
    [InlineData("""{ "model": { "towers": 1, "devices": ["cpu", "cpu"] } }""", "hyperparameters.model.devices")]
    public void Invalid_values_are_rejected_naming_the_field(string json, string field)
    {
        var (resolved, failures) = HyperparameterResolution.Resolve("quickstart", JsonNode.Parse(json)!.AsObject(), Cpu);
        resolved.ShouldBeNull();
        failures.Select(f => f.PropertyName).ShouldContain(field);
    }

    [Fact]
    public void Two_devices_are_accepted_when_the_machine_has_them()
    {
        var overrides = JsonNode.Parse("""{ "model": { "devices": ["cuda:0", "cuda:1"] } }""")!.AsObject();
        var (resolved, failures) = HyperparameterResolution.Resolve("paper-2012", overrides, ["cpu", "cuda:0", "cuda:1"]);
        failures.ShouldBeEmpty();
        resolved!.Model.Devices.ShouldBe(["cuda:0", "cuda:1"]);
    }

    [Fact]
    public void A_batch_is_sliced_across_CPU_cores_only()
    {
        var overrides = JsonNode.Parse("""{ "batchSlices": 2, "model": { "devices": ["cuda:0"] } }""")!.AsObject();
        var (resolved, failures) = HyperparameterResolution.Resolve("paper-2012", overrides, ["cpu", "cuda:0"]);
        resolved.ShouldBeNull();
        failures.Single().PropertyName.ShouldBe("hyperparameters.batchSlices");

        var onCpu = HyperparameterResolution.Resolve("paper-2012", JsonNode.Parse("""{ "batchSlices": 2 }""")!.AsObject(), Cpu);
        onCpu.Failures.ShouldBeEmpty();
        onCpu.Resolved!.BatchSlices.ShouldBe(2);
    }

    [Fact]
    public void Without_a_device_list_any_well_formed_device_name_is_accepted()
    {
        var twoGpus = JsonNode.Parse("""{ "model": { "devices": ["cuda:0", "cuda:1"] } }""")!.AsObject();
        var tpu = JsonNode.Parse("""{ "model": { "devices": ["tpu:0"] } }""")!.AsObject();
        HyperparameterResolution.Resolve("paper-2012", twoGpus, availableDevices: null).Failures.ShouldBeEmpty();
        HyperparameterResolution.Resolve("paper-2012", tpu, availableDevices: null).Failures.Single().PropertyName.ShouldBe("hyperparameters.model.devices[0]");
    }

    [Fact]
    public void Unknown_preset_is_rejected()
    {
        var (_, failures) = HyperparameterResolution.Resolve("resnet", null, Cpu);
        failures.Single().PropertyName.ShouldBe("preset");
    }

    [Fact]
    public void Paper_preset_carries_every_paper_value() =>
        Snapshot.Match(Newtonsoft.Json.Linq.JToken.Parse(HyperparameterJson.ToCanonicalJson(HyperparameterPresets.All["paper-2012"])));

    [Fact]
    public void Quickstart_preset_is_valid_here() =>
        HyperparameterResolution.Resolve("quickstart", null, Cpu).Failures.ShouldBeEmpty();
}
