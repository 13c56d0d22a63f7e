using AlexNet.Experiments.Infrastructure.Storage.Datasets;

namespace AlexNet.Experiments.Infrastructure.Storage.Tests.Datasets;

public sealed class SymmetricEigenTests
{
    [Fact]
    public void Recovers_the_eigenpairs_of_a_constructed_covariance()
    {
        double[] lambda = [7, 400, 90];
        double[] v = Rotation(0.3, -1.1, 0.7);
        var a = new double[9];
        for (int r = 0; r < 3; r++)
        {
            for (int c = 0; c < 3; c++)
            {
                for (int i = 0; i < 3; i++)
                {
                    a[r * 3 + c] += v[r * 3 + i] * lambda[i] * v[c * 3 + i];
                }
            }
        }

        var (values, vectors) = SymmetricEigen.Decompose(a, 3);

        values[0].ShouldBe(400, 1e-9);
        values[1].ShouldBe(90, 1e-9);
        values[2].ShouldBe(7, 1e-9);
        for (int i = 0; i < 3; i++)
        {
            double norm = 0;
            for (int r = 0; r < 3; r++)
            {
                double av = 0;
                for (int c = 0; c < 3; c++)
                {
                    av += a[r * 3 + c] * vectors[c * 3 + i];
                }

                av.ShouldBe(values[i] * vectors[r * 3 + i], 1e-9);
                norm += vectors[r * 3 + i] * vectors[r * 3 + i];
            }

            norm.ShouldBe(1, 1e-12);
        }

        // Orthogonal, and each vector is the constructed one up to sign.
        for (int i = 0; i < 3; i++)
        {
            int source = Array.IndexOf(lambda, Math.Round(values[i]));
            double dot = 0;
            for (int r = 0; r < 3; r++)
            {
                dot += vectors[r * 3 + i] * v[r * 3 + source];
            }

            Math.Abs(dot).ShouldBe(1, 1e-9);
        }
    }

    [Fact]
    public void Handles_diagonal_and_repeated_eigenvalues()
    {
        var (values, vectors) = SymmetricEigen.Decompose([2, 0, 0, 0, 5, 0, 0, 0, 2], 3);

        values.ShouldBe([5, 2, 2]);
        vectors[1 * 3 + 0].ShouldBe(1);
    }

    [Fact]
    public void Rejects_a_non_symmetric_matrix()
    {
        Should.Throw<ArgumentException>(() => SymmetricEigen.Decompose([1, 2, 0, 0, 1, 0, 0, 0, 1], 3));
    }

    // Rz(a) Ry(b) Rx(c), row-major.
    private static double[] Rotation(double a, double b, double c)
    {
        double[] rz = [Math.Cos(a), -Math.Sin(a), 0, Math.Sin(a), Math.Cos(a), 0, 0, 0, 1];
        double[] ry = [Math.Cos(b), 0, Math.Sin(b), 0, 1, 0, -Math.Sin(b), 0, Math.Cos(b)];
        double[] rx = [1, 0, 0, 0, Math.Cos(c), -Math.Sin(c), 0, Math.Sin(c), Math.Cos(c)];
        return Multiply(Multiply(rz, ry), rx);
    }

    private static double[] Multiply(double[] x, double[] y)
    {
        var result = new double[9];
        for (int r = 0; r < 3; r++)
        {
            for (int c = 0; c < 3; c++)
            {
                for (int k = 0; k < 3; k++)
                {
                    result[r * 3 + c] += x[r * 3 + k] * y[k * 3 + c];
                }
            }
        }

        return result;
    }
}
