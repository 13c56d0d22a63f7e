using AlexNet.Experiments.Domain.Experiments;

namespace AlexNet.Experiments.Domain.Tests;

public sealed class HyperparametersTests
{
    [Fact]
    public void Two_default_instances_are_equal_although_each_has_its_own_devices_list()
    {
        var a = new Hyperparameters();
        var b = new Hyperparameters();

        a.Model.Devices.ShouldNotBeSameAs(b.Model.Devices);
        a.ShouldBe(b);
        (a == b).ShouldBeTrue();
        a.GetHashCode().ShouldBe(b.GetHashCode());
    }

    [Fact]
    public void A_copy_with_an_equal_devices_list_is_equal()
    {
        var original = new Hyperparameters { Model = new ModelHyperparameters { Devices = ["cpu", "cuda:0"] } };
        var copy = original with { Model = original.Model with { Devices = new List<string> { "cpu", "cuda:0" } } };

        copy.ShouldBe(original);
        copy.GetHashCode().ShouldBe(original.GetHashCode());
    }

    [Fact]
    public void Devices_compare_by_content_and_order()
    {
        var original = new Hyperparameters { Model = new ModelHyperparameters { Devices = ["cpu", "cuda:0"] } };

        (original with { Model = original.Model with { Devices = ["cuda:0", "cpu"] } }).ShouldNotBe(original);
        (original with { Model = original.Model with { Devices = ["cpu"] } }).ShouldNotBe(original);
    }

    [Fact]
    public void Every_other_model_field_still_takes_part_in_equality()
    {
        var model = new ModelHyperparameters();

        (model with { WidthMultiplier = 0.5 }).ShouldNotBe(model);
        (model with { InputSize = 224 }).ShouldNotBe(model);
        (model with { Lrn = new LrnHyperparameters { Enabled = false } }).ShouldNotBe(model);
        (model with { Pooling = new PoolingHyperparameters { Kernel = 2 } }).ShouldNotBe(model);
        (model with { Dropout = 0 }).ShouldNotBe(model);
        (model with { Activation = Activation.Tanh }).ShouldNotBe(model);
        (model with { Towers = 1 }).ShouldNotBe(model);
        (model with { Init = new InitHyperparameters { WeightStd = 0.02 } }).ShouldNotBe(model);
        (new Hyperparameters() with { Seed = 2 }).ShouldNotBe(new Hyperparameters());
    }
}
