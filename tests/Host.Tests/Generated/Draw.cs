using CsCheck;

namespace AlexNet.Experiments.Host.Tests.Generated;

/// <summary>Every random choice of the generator, from CsCheck's PCG: the same seed draws the same request.</summary>
public sealed class Draw(PCG pcg)
{
    public int Below(int count) => (int)pcg.Next((uint)count);

    public bool Chance(int percent) => Below(100) < percent;

    public T Pick<T>(IReadOnlyList<T> items) => items[Below(items.Count)];

    public Guid Guid() => new([.. BitConverter.GetBytes(pcg.Next64()), .. BitConverter.GetBytes(pcg.Next64())]);

    public byte[] Bytes(int count)
    {
        var bytes = new byte[count];
        for (int i = 0; i < count; i++)
        {
            bytes[i] = (byte)pcg.Next(256);
        }

        return bytes;
    }
}
