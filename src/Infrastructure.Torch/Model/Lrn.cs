using AlexNet.Experiments.Domain.Experiments;
using TorchSharp;
using static TorchSharp.torch;

namespace AlexNet.Experiments.Infrastructure.Torch.Model;

/// <summary>
/// Local response normalisation across channels, b = a / (k + alpha' * sum a^2)^beta over a window of n channels,
/// applied separately to each of <see cref="Groups"/> channel groups: on one device the two towers share a tensor,
/// but in the paper each GPU normalises only its own kernel maps.
/// </summary>
public sealed class Lrn : nn.Module<Tensor, Tensor>, ISwitchableKernel
{
    public Lrn(LrnHyperparameters settings, int groups) : this(settings, groups, KernelImplementation.Fused)
    {
    }

    public Lrn(LrnHyperparameters settings, int groups, KernelImplementation implementation) : base(nameof(Lrn))
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfLessThan(groups, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.Size, 1);
        Size = settings.Size;
        K = settings.K;
        Beta = settings.Beta;
        Groups = groups;
        Implementation = implementation;

        // libtorch computes alpha/n * sum; the paper's formula has alpha * sum.
        TorchAlpha = settings.Convention == LrnConvention.Paper ? settings.Alpha * settings.Size : settings.Alpha;
        SumCoefficient = settings.Convention == LrnConvention.Paper ? settings.Alpha : settings.Alpha / settings.Size;
    }

    public long Size { get; }

    public double K { get; }

    public double Beta { get; }

    /// <summary>The alpha handed to libtorch, whose formula divides it by <see cref="Size"/>.</summary>
    public double TorchAlpha { get; }

    /// <summary>alpha' in the formula as written: what multiplies the window's sum of squares.</summary>
    public double SumCoefficient { get; }

    public int Groups { get; }

    /// <summary>Settable so a built network (whose layers create their own Lrn) can be switched for comparisons.</summary>
    public KernelImplementation Implementation { get; set; }

    public override Tensor forward(Tensor input)
    {
        if (Implementation == KernelImplementation.Fused && FusedLrn.Supports(input, Groups))
        {
            return FusedLrn.Apply(input, (int)Size, SumCoefficient, Beta, K, Groups);
        }

        if (Groups == 1)
        {
            return nn.functional.local_response_norm(input, Size, TorchAlpha, Beta, K);
        }

        long[] shape = input.shape;
        using var grouped = input.reshape(shape[0] * Groups, shape[1] / Groups, shape[2], shape[3]);
        using var normalised = nn.functional.local_response_norm(grouped, Size, TorchAlpha, Beta, K);
        return normalised.reshape(shape);
    }
}
