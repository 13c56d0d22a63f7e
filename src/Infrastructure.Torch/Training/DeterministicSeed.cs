namespace AlexNet.Experiments.Infrastructure.Torch.Training;

/// <summary>Reproducible seeds from (run seed, epoch, position): SplitMix64, stable across processes unlike HashCode.</summary>
public static class DeterministicSeed
{
    public static int For(long a, long b, long c = 0)
    {
        ulong x = Mix((ulong)a) ^ Mix((ulong)b + 0x9E3779B97F4A7C15UL) ^ Mix((ulong)c + 0x632BE59BD9B4E019UL);
        return (int)(Mix(x) & 0x7FFFFFFF);
    }

    public static int[] Shuffle(int count, int seed)
    {
        var order = Enumerable.Range(0, count).ToArray();
        new Random(seed).Shuffle(order);
        return order;
    }

    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
