using AlexNet.Experiments.Domain.Experiments;

namespace AlexNet.Experiments.Domain.Tests;

public sealed class AlexNetGeometryTests
{
    private static readonly PoolingHyperparameters NonOverlapping = new() { Kernel = 2, Stride = 2 };

    [Fact]
    public void Full_size_network_has_the_papers_widths_and_maps()
    {
        var geometry = AlexNetGeometry.For(new ModelHyperparameters());

        geometry.ShouldBe(new AlexNetGeometry(
            Conv1: 96, Conv2: 256, Conv3: 384, Conv4: 384, Conv5: 256, Fc: 4096,
            Conv1Output: 55, Pool1Output: 27, Pool2Output: 13, Pool5Output: 6));
        geometry.FlattenedFeatures.ShouldBe(9216);
    }

    [Fact]
    public void The_papers_stated_224_input_gives_a_54_wide_conv1_map()
    {
        var geometry = AlexNetGeometry.For(new ModelHyperparameters { InputSize = 224 });

        geometry.Conv1Output.ShouldBe(54);
        geometry.Pool5Output.ShouldBe(5);
    }

    [Fact]
    public void One_tower_halves_conv1_to_conv4_but_keeps_conv5_and_the_fc_layers()
    {
        var geometry = AlexNetGeometry.For(new ModelHyperparameters { Towers = 1 });

        (geometry.Conv1, geometry.Conv2, geometry.Conv3, geometry.Conv4, geometry.Conv5, geometry.Fc).ShouldBe((48, 128, 192, 192, 256, 4096));
        geometry.FlattenedFeatures.ShouldBe(9216);
    }

    [Fact]
    public void Minimum_input_size_leaves_exactly_one_pool5_output()
    {
        // (3,2): pool5 1 <- pool2 3 <- pool1 7 <- conv1 15 <- 4 * 14 + 11 = 67.
        AlexNetGeometry.MinimumInputSize(new ModelHyperparameters()).ShouldBe(67);
        // (2,2): pool5 1 <- pool2 2 <- pool1 4 <- conv1 8 <- 4 * 7 + 11 = 39.
        AlexNetGeometry.MinimumInputSize(new ModelHyperparameters { Pooling = NonOverlapping }).ShouldBe(39);

        AlexNetGeometry.For(new ModelHyperparameters { InputSize = 67 }).Pool5Output.ShouldBe(1);
        AlexNetGeometry.For(new ModelHyperparameters { InputSize = 66 }).Pool5Output.ShouldBe(0);
        AlexNetGeometry.For(new ModelHyperparameters { InputSize = 39, Pooling = NonOverlapping }).Pool5Output.ShouldBe(1);
        AlexNetGeometry.For(new ModelHyperparameters { InputSize = 38, Pooling = NonOverlapping }).Pool5Output.ShouldBe(0);
    }

    [Fact]
    public void A_small_dense_conv1_keeps_28_pixel_images_alexnet_shaped()
    {
        var model = new ModelHyperparameters { WidthMultiplier = 0.25, InputSize = 28, Conv1 = new Conv1Hyperparameters { Kernel = 5, Stride = 1, Padding = 2 } };

        var geometry = AlexNetGeometry.For(model);

        // conv1 28 (padding keeps the size), pool1 13, conv2 13, pool2 6, conv3-5 6, pool5 2.
        (geometry.Conv1Output, geometry.Pool1Output, geometry.Pool2Output, geometry.Pool5Output).ShouldBe((28, 13, 6, 2));
        (geometry.Conv1, geometry.Conv2, geometry.Conv3, geometry.Conv4, geometry.Conv5, geometry.Fc).ShouldBe((24, 64, 96, 96, 64, 1024));
        // pool5 1 <- pool2 3 <- pool1 7 <- conv1 15 <- 15 + 2 * 2 - 5 + 1 = 15.
        AlexNetGeometry.MinimumInputSize(model).ShouldBe(15);
    }

    [Fact]
    public void Non_overlapping_pooling_at_full_size_gives_the_papers_ablation_maps()
    {
        var geometry = AlexNetGeometry.For(new ModelHyperparameters { Pooling = NonOverlapping });

        (geometry.Conv1Output, geometry.Pool1Output, geometry.Pool2Output, geometry.Pool5Output).ShouldBe((55, 27, 13, 6));
    }

    [Theory]
    [InlineData(0.125, 12, 32, 48, 48, 32, 512)]
    [InlineData(0.1, 10, 26, 38, 38, 26, 410)] // 9.6, 25.6, 38.4, 409.6 round to the nearest even count
    [InlineData(0.001, 2, 2, 2, 2, 2, 4)]      // never below two channels, one per tower
    public void Width_multiplier_rounds_to_even_channel_counts(double multiplier, int conv1, int conv2, int conv3, int conv4, int conv5, int fc)
    {
        var geometry = AlexNetGeometry.For(new ModelHyperparameters { WidthMultiplier = multiplier });

        (geometry.Conv1, geometry.Conv2, geometry.Conv3, geometry.Conv4, geometry.Conv5, geometry.Fc).ShouldBe((conv1, conv2, conv3, conv4, conv5, fc));
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.3)]
    [InlineData(0.37)]
    [InlineData(0.5)]
    [InlineData(0.77)]
    public void Every_width_splits_evenly_across_two_towers(double multiplier)
    {
        foreach (int towers in new[] { 1, 2 })
        {
            var g = AlexNetGeometry.For(new ModelHyperparameters { WidthMultiplier = multiplier, Towers = towers });
            new[] { g.Conv1, g.Conv2, g.Conv3, g.Conv4, g.Conv5, g.Fc }.ShouldAllBe(width => width >= 2 && width % 2 == 0);
        }
    }

    [Fact]
    public void Tiny_configuration_flattens_one_spatial_position()
    {
        var geometry = AlexNetGeometry.For(new ModelHyperparameters { WidthMultiplier = 0.125, InputSize = 67 });

        geometry.Pool5Output.ShouldBe(1);
        geometry.FlattenedFeatures.ShouldBe(32);
    }
}
