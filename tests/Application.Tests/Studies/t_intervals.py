import json, math, sys
import numpy as np

def t_cdf(q, df):
    # 0.5 + the integral of Student's t density from 0 to q, by Simpson's rule on a fine grid
    x = np.linspace(0.0, q, 200001)
    c = math.exp(math.lgamma((df + 1) / 2) - math.lgamma(df / 2)) / math.sqrt(df * math.pi)
    f = c * (1 + x * x / df) ** (-(df + 1) / 2)
    h = x[1] - x[0]
    return 0.5 + h / 3 * (f[0] + f[-1] + 4 * f[1:-1:2].sum() + 2 * f[2:-1:2].sum())

def t975(df):
    lo, hi = 0.0, 100.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if t_cdf(mid, df) < 0.975: lo = mid
        else: hi = mid
    return (lo + hi) / 2

out = []
for case in json.load(sys.stdin):
    if case["kind"] == "paired":
        d = np.array(case["differences"], dtype=float)
        n = len(d); df = n - 1
        est = d.mean(); se = d.std(ddof=1) / math.sqrt(n)
    else:
        b = np.array(case["baseline"], dtype=float); v = np.array(case["variant"], dtype=float)
        qb = b.var(ddof=1) / len(b); qv = v.var(ddof=1) / len(v)
        est = v.mean() - b.mean(); se = math.sqrt(qb + qv)
        df = (qb + qv) ** 2 / (qb * qb / (len(b) - 1) + qv * qv / (len(v) - 1))
    t = t975(df)
    out.append({"df": df, "t": t, "estimate": est, "lower": est - t * se, "upper": est + t * se})
print(json.dumps(out))
