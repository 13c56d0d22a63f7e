namespace AlexNet.Experiments.Infrastructure.Storage.Datasets;

/// <summary>Eigen-decomposition of a small symmetric matrix by cyclic Jacobi rotations (exact enough for the 3x3 RGB covariance).</summary>
public static class SymmetricEigen
{
    private const int MaxSweeps = 100;

    /// <param name="matrix">Row-major n x n symmetric matrix.</param>
    /// <returns>
    /// Eigenvalues sorted descending, and eigenvectors as columns of a row-major n x n matrix
    /// (Vectors[r*n+i] is component r of the vector for Values[i]), each unit length with its largest component positive.
    /// </returns>
    public static (double[] Values, double[] Vectors) Decompose(ReadOnlySpan<double> matrix, int n)
    {
        if (n <= 0 || matrix.Length != n * n)
        {
            throw new ArgumentException($"Expected a {n}x{n} matrix ({n * n} values), got {matrix.Length}.", nameof(matrix));
        }

        double[] a = matrix.ToArray();
        for (int i = 0; i < n; i++)
        {
            for (int j = i + 1; j < n; j++)
            {
                if (Math.Abs(a[i * n + j] - a[j * n + i]) > 1e-9 * (Math.Abs(a[i * n + j]) + Math.Abs(a[j * n + i]) + 1e-300))
                {
                    throw new ArgumentException("The matrix is not symmetric.", nameof(matrix));
                }
            }
        }

        double[] v = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            v[i * n + i] = 1;
        }

        for (int sweep = 0; sweep < MaxSweeps && OffDiagonal(a, n) > 1e-30 * Math.Max(Diagonal(a, n), 1e-300); sweep++)
        {
            for (int p = 0; p < n - 1; p++)
            {
                for (int q = p + 1; q < n; q++)
                {
                    Rotate(a, v, n, p, q);
                }
            }
        }

        return Sorted(a, v, n);
    }

    // A <- J^T A J zeroes a[p,q]; V <- V J accumulates the eigenvectors.
    private static void Rotate(double[] a, double[] v, int n, int p, int q)
    {
        double apq = a[p * n + q];
        if (apq == 0)
        {
            return;
        }

        double theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        // The smaller root keeps the rotation angle below pi/4, which is what makes Jacobi converge.
        double t = Math.Sign(theta) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1));
        if (theta == 0)
        {
            t = 1;
        }

        double c = 1 / Math.Sqrt(t * t + 1), s = t * c;
        for (int k = 0; k < n; k++)
        {
            double akp = a[k * n + p], akq = a[k * n + q];
            a[k * n + p] = c * akp - s * akq;
            a[k * n + q] = s * akp + c * akq;
        }

        for (int k = 0; k < n; k++)
        {
            double apk = a[p * n + k], aqk = a[q * n + k];
            a[p * n + k] = c * apk - s * aqk;
            a[q * n + k] = s * apk + c * aqk;
        }

        a[p * n + q] = 0;
        a[q * n + p] = 0;

        for (int k = 0; k < n; k++)
        {
            double vkp = v[k * n + p], vkq = v[k * n + q];
            v[k * n + p] = c * vkp - s * vkq;
            v[k * n + q] = s * vkp + c * vkq;
        }
    }

    private static double OffDiagonal(double[] a, int n)
    {
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                if (i != j)
                {
                    sum += a[i * n + j] * a[i * n + j];
                }
            }
        }

        return sum;
    }

    private static double Diagonal(double[] a, int n)
    {
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            sum += a[i * n + i] * a[i * n + i];
        }

        return sum;
    }

    private static (double[] Values, double[] Vectors) Sorted(double[] a, double[] v, int n)
    {
        int[] order = new int[n];
        for (int i = 0; i < n; i++)
        {
            order[i] = i;
        }

        Array.Sort(order, (x, y) => a[y * n + y].CompareTo(a[x * n + x]));

        double[] values = new double[n], vectors = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            int source = order[i];
            values[i] = a[source * n + source];

            // Eigenvectors are only defined up to sign; fixing it keeps stored PCA bytes reproducible.
            int largest = 0;
            for (int r = 1; r < n; r++)
            {
                if (Math.Abs(v[r * n + source]) > Math.Abs(v[largest * n + source]))
                {
                    largest = r;
                }
            }

            double sign = v[largest * n + source] < 0 ? -1 : 1;
            for (int r = 0; r < n; r++)
            {
                vectors[r * n + i] = sign * v[r * n + source];
            }
        }

        return (values, vectors);
    }
}
