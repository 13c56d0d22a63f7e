namespace AlexNet.Experiments.Domain.Studies;

/// <summary>What a claim compares between two cells of a study.</summary>
public enum ClaimMetric
{
    /// <summary>The final evaluation's top-1 error; the effect is the difference variant − baseline, in error fraction.</summary>
    TestTop1Error,

    /// <summary>The final evaluation's top-5 error; a difference, as top-1.</summary>
    TestTop5Error,

    /// <summary>Training seconds to the study's training-error target; the effect is the ratio variant / baseline.</summary>
    SecondsToTarget,

    /// <summary>Training images seen before the study's training-error target; a ratio, as seconds.</summary>
    ImagesToTarget,
}

/// <summary>
/// A claim of the paper as a study tests it: the effect of going from the <see cref="Baseline"/> cell to the <see cref="Variant"/> cell
/// (each named by its label, e.g. the variant's name). <see cref="PaperEffect"/> is the effect the paper reports, which also gives
/// the direction a verdict looks for: for an error, variant − baseline (0.014 = removing LRN raises top-1 error by 1.4 points);
/// for a time, variant / baseline (6 = tanh needs six times ReLU's time).
/// </summary>
public sealed record StudyClaim(string Name, string Baseline, string Variant, ClaimMetric Metric, double PaperEffect)
{
    /// <summary>Times are compared as ratios (their spread grows with their size), errors as differences.</summary>
    public bool IsRatio => Metric is ClaimMetric.SecondsToTarget or ClaimMetric.ImagesToTarget;
}

/// <summary>How a claim's interval was computed.</summary>
public enum ClaimDesign
{
    /// <summary>A t interval on the per-seed differences (of logs, for a ratio) over the seeds both cells finished.</summary>
    Paired,

    /// <summary>Welch's t interval on two independent samples (of logs, for a ratio), when fewer than two seeds are shared.</summary>
    Welch,
}

public enum ClaimVerdict
{
    /// <summary>The 95% interval excludes no effect and lies on the paper's side.</summary>
    Reproduced,

    /// <summary>The 95% interval excludes no effect and lies on the other side.</summary>
    Opposite,

    /// <summary>The interval contains no effect; its far end on the paper's side bounds the effects still possible.</summary>
    NotDetectable,

    /// <summary>Too few finished seeds for an interval: fewer than two pairs, and fewer than two in a cell.</summary>
    TooFewSeeds,
}
