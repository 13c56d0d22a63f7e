using AlexNet.Experiments.Domain.Experiments;

namespace AlexNet.Experiments.Domain.Training;

/// <summary>
/// The learning rate for an epoch, derived only from the run's hyperparameters and recorded history, so a resumed run
/// picks the same rate. Plateau: the paper's "divide by 10 when the validation error stops improving".
/// </summary>
public static class LearningRateSchedule
{
    public static double For(Hyperparameters hyperparameters, int epoch, IReadOnlyList<EpochMetrics> history)
    {
        var (optimizer, schedule) = (hyperparameters.Optimizer, hyperparameters.Schedule);
        double Dropped(int drops) => optimizer.LearningRate * Math.Pow(schedule.Factor, Math.Min(drops, schedule.MaxDrops));

        return schedule.Kind switch
        {
            ScheduleKind.Constant => Dropped(0),
            ScheduleKind.Step => Dropped((epoch - 1) / schedule.StepEpochs),
            ScheduleKind.Plateau => Dropped(PlateauDrops(schedule, history.Where(m => m.Epoch < epoch).OrderBy(m => m.Epoch).ToList())),
            ScheduleKind.Cosine => optimizer.LearningRate * 0.5 * (1 + Math.Cos(Math.PI * (epoch - 1) / hyperparameters.Epochs)),
            _ => throw new ArgumentOutOfRangeException(nameof(hyperparameters), schedule.Kind, null),
        };
    }

    private static int PlateauDrops(ScheduleHyperparameters schedule, IReadOnlyList<EpochMetrics> history)
    {
        int drops = 0, epochsWithoutImprovement = 0;
        double best = double.PositiveInfinity;
        foreach (var metrics in history)
        {
            if (metrics.ValidationTop1Error < best - 1e-12)
            {
                best = metrics.ValidationTop1Error;
                epochsWithoutImprovement = 0;
            }
            else if (++epochsWithoutImprovement >= schedule.Patience && drops < schedule.MaxDrops)
            {
                drops++;
                epochsWithoutImprovement = 0;
            }
        }

        return drops;
    }
}
