using AlexNet.Experiments.Domain.Experiments;
using FluentValidation;

namespace AlexNet.Experiments.Application.Experiments;

/// <summary>Rejects hyperparameters that cannot run here, before anything is stored or scheduled.</summary>
internal sealed class HyperparametersValidator : AbstractValidator<Hyperparameters>
{
    /// <param name="availableDevices">Devices a run may use here; null when only describing a model, where any well-formed device name will do.</param>
    public HyperparametersValidator(IReadOnlyList<string>? availableDevices)
    {
        RuleFor(h => h.Seed).GreaterThanOrEqualTo(0);
        RuleFor(h => h.Epochs).InclusiveBetween(1, 1000);
        RuleFor(h => h.BatchSize).InclusiveBetween(1, 4096);
        RuleFor(h => h.BatchSlices).InclusiveBetween(1, 64).LessThanOrEqualTo(h => h.BatchSize)
            .WithMessage("'Batch Slices' must be between 1 and 64 and at most batchSize.");
        RuleFor(h => h.BatchSlices).Equal(1).When(h => h.Model?.Devices?.Any(d => !ComputeDevice.TryParse(d, out var device) || device.IsGpu) == true)
            .WithMessage("'Batch Slices' above 1 slices a batch across CPU cores; on a GPU plan (model.devices) it must be 1.");
        RuleFor(h => h.Model).SetValidator(h => new ModelValidator(h.Data, availableDevices));
        RuleFor(h => h.Optimizer.UpdateRule).IsInEnum();
        RuleFor(h => h.Optimizer.LearningRate).GreaterThan(0).LessThanOrEqualTo(10);
        RuleFor(h => h.Optimizer.Momentum).GreaterThanOrEqualTo(0).LessThan(1);
        RuleFor(h => h.Optimizer.WeightDecay).GreaterThanOrEqualTo(0).LessThan(1);
        RuleFor(h => h.Schedule.Kind).IsInEnum();
        RuleFor(h => h.Schedule.Factor).GreaterThan(0).LessThan(1);
        RuleFor(h => h.Schedule.Patience).InclusiveBetween(1, 1000);
        RuleFor(h => h.Schedule.MaxDrops).InclusiveBetween(0, 100);
        RuleFor(h => h.Schedule.StepEpochs).InclusiveBetween(1, 1000);
        RuleFor(h => h.Data.ImageSize).InclusiveBetween(16, 1024);
        RuleFor(h => h.Data.TrainImages).GreaterThanOrEqualTo(0);
        RuleFor(h => h.Data.PcaStd).GreaterThanOrEqualTo(0).LessThanOrEqualTo(10);
    }

    private sealed class ModelValidator : AbstractValidator<ModelHyperparameters>
    {
        public ModelValidator(DataHyperparameters data, IReadOnlyList<string>? availableDevices)
        {
            RuleFor(m => m.WidthMultiplier).GreaterThan(0).LessThanOrEqualTo(4);
            RuleFor(m => m.InputSize)
                .LessThanOrEqualTo(data.ImageSize).WithMessage("'Input Size' must not exceed data.imageSize ({ComparisonValue}): crops are taken from the stored images.")
                .Must((m, size) => !HasValidGeometry(m) || size >= AlexNetGeometry.MinimumInputSize(m))
                .WithMessage((m, size) => $"'Input Size' {size} is too small for this conv1 and pooling: the smallest input that keeps a feature map after the last pooling layer is {AlexNetGeometry.MinimumInputSize(m)}.");
            RuleFor(m => m.PixelScale).GreaterThanOrEqualTo(1.0 / 1024).LessThanOrEqualTo(1);
            RuleFor(m => m.Dropout).GreaterThanOrEqualTo(0).LessThan(1);
            RuleFor(m => m.Activation).IsInEnum();
            RuleFor(m => m.Towers).InclusiveBetween(1, 2);
            RuleFor(m => m.Devices).NotEmpty().Must(d => d.Count <= 2).WithMessage("'Devices' names one device (both towers) or two (tower A, tower B).");
            RuleFor(m => m.Devices).Must(d => d.Count < 2).When(m => m.Towers == 1).WithMessage("A one-tower model runs on one device.");
            RuleForEach(m => m.Devices).Cascade(CascadeMode.Stop)
                .Must(device => ComputeDevice.TryParse(device, out _)).WithMessage((_, device) => $"'{device}' is not a device name; use \"cpu\" or \"cuda:N\".")
                .Must(device => availableDevices is null || availableDevices.Contains(device, StringComparer.OrdinalIgnoreCase))
                .WithMessage((_, device) => $"Device '{device}' is not available on this machine (available: {string.Join(", ", availableDevices ?? [])}).");
            RuleFor(m => m.Lrn.Convention).IsInEnum();
            RuleFor(m => m.Lrn.K).GreaterThan(0).LessThanOrEqualTo(1000);
            // The window runs across channels; wider than conv1 (96 kernels at width 1) means nothing, and 2^31-1 overflowed.
            RuleFor(m => m.Lrn.Size).InclusiveBetween(1, 99).Must(n => n % 2 == 1).WithMessage("'Size' of the LRN window must be odd.");
            RuleFor(m => m.Lrn.Alpha).GreaterThanOrEqualTo(0).LessThanOrEqualTo(1);
            RuleFor(m => m.Lrn.Beta).GreaterThan(0).LessThanOrEqualTo(10);
            RuleFor(m => m.Conv1.Kernel).InclusiveBetween(1, 15);
            RuleFor(m => m.Conv1.Stride).InclusiveBetween(1, 8);
            RuleFor(m => m.Conv1.Padding).GreaterThanOrEqualTo(0).LessThan(m => m.Conv1.Kernel)
                .WithMessage("'Padding' of conv1 must be at least 0 and smaller than its kernel.");
            RuleFor(m => m.Pooling.Kernel).InclusiveBetween(1, 7);
            RuleFor(m => m.Pooling.Stride).InclusiveBetween(1, 7);
            RuleFor(m => m.Init.Scheme).IsInEnum();
            RuleFor(m => m.Init.WeightStd).GreaterThan(0).LessThanOrEqualTo(1);
        }

        // The input size is judged only on a conv1 and pooling that are valid themselves (a stride of 0 divides by zero).
        private static bool HasValidGeometry(ModelHyperparameters m) =>
            m.Conv1 is { Kernel: >= 1 and <= 15, Stride: >= 1 and <= 8, Padding: >= 0 } && m.Conv1.Padding < m.Conv1.Kernel
            && m.Pooling is { Kernel: >= 1 and <= 7, Stride: >= 1 and <= 7 };
    }
}
