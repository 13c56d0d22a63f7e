using AlexNet.Experiments.Domain.Experiments;

namespace AlexNet.Experiments.Domain.Tests;

public sealed class RunFootprintTests
{
    [Fact]
    public void The_papers_net_has_the_papers_parameter_count()
    {
        RunFootprint.ParameterCount(new ModelHyperparameters(), 1000).ShouldBe(60_965_224);
        RunFootprint.ParameterCount(new ModelHyperparameters { Devices = ["cuda:0", "cuda:1"] }, 1000).ShouldBe(60_965_224);
    }

    [Fact]
    public void Activations_of_the_papers_net_add_up_layer_by_layer()
    {
        // conv1+lrn1 96x55x55 twice, pool1 96x27x27, conv2+lrn2 256x27x27 twice, pool2 256x13x13, conv3-5 (384+384+256)x13x13,
        // pool5 256x6x6, fc6 and fc7 4096, fc8 1000.
        double expected = (2 * 96 * 55 * 55) + (96 * 27 * 27) + (2 * 256 * 27 * 27) + (256 * 13 * 13) + (1024 * 13 * 13) + (256 * 6 * 6) + 8192 + 1000;
        RunFootprint.ActivationsPerSample(new ModelHyperparameters(), 1000).ShouldBe(expected);
    }

    [Fact]
    public void The_paper_preset_fits_a_machine_with_16_GB()
    {
        var footprint = RunFootprint.Estimate(new Hyperparameters(), 1000, 1_331_167);
        footprint.MemoryBytes.ShouldBeInRange(4e9, 16e9);
        // The ILSVRC-2012 store at 256x256 is about 262 GB; 91 checkpoints of weights and momentum about 44 GB.
        footprint.DiskBytes.ShouldBeInRange(290e9, 320e9);
    }

    [Theory]
    [InlineData(4.0, 1024, 3, 2, 128, 60e9)]    // width 4 at input 1024: the 60 GB
    [InlineData(1.0, 227, 1, 1, 128, 30e9)]     // pooling 1/1: fc6 reads 256x55x55 features
    [InlineData(1.0, 1024, 3, 2, 4096, 1e12)]   // batch 4096 at input 1024
    [InlineData(4.0, 1024, 1, 1, 4096, 1e14)]   // everything at once still gives a finite, positive figure
    public void Runs_that_cannot_run_are_estimated_far_beyond_a_machine(double width, int input, int kernel, int stride, int batch, double atLeast)
    {
        var hyperparameters = new Hyperparameters
        {
            BatchSize = batch,
            Model = new ModelHyperparameters { WidthMultiplier = width, InputSize = input, Pooling = new PoolingHyperparameters { Kernel = kernel, Stride = stride } },
            Data = new DataHyperparameters { ImageSize = input },
        };

        var footprint = RunFootprint.Estimate(hyperparameters, 1000, 1000);

        footprint.MemoryBytes.ShouldBeGreaterThan(atLeast);
        double.IsFinite(footprint.MemoryBytes).ShouldBeTrue();
        double.IsFinite(footprint.DiskBytes).ShouldBeTrue();
    }

    [Fact]
    public void Disk_grows_with_the_image_count_and_the_square_of_the_image_size()
    {
        var small = new Hyperparameters { Epochs = 1, Data = new DataHyperparameters { ImageSize = 256 } };
        var large = small with { Data = new DataHyperparameters { ImageSize = 1024 } };
        double Store(Hyperparameters h, long images) => RunFootprint.Estimate(h, 10, images).DiskBytes - RunFootprint.Estimate(h, 10, 0).DiskBytes;

        Store(small, 3500).ShouldBe(3500.0 * 3 * 256 * 256);
        Store(large, 3500).ShouldBe(3500.0 * 3 * 1024 * 1024); // about 11 GB, the imageSize 1024 case
    }
}
