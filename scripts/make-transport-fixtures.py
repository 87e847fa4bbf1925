#!/usr/bin/env python3
"""Writes Fixtures/transport.json: random eigenvalue-like point sets in the complex plane and the
Wasserstein-1 distance between their uniform measures under |z - w|, computed by scipy, so that
koopscope's optimal transport is tested against an independent solver without Python.

    python3 scripts/make-transport-fixtures.py      # needs numpy and scipy

Equal sizes: scipy.optimize.linear_sum_assignment on the |a_i - b_j| matrix, divided by n.
Unequal sizes: scipy.optimize.linprog (HiGHS) on the transport LP with row sums 1/n and column
sums 1/m. Seeded: the same file each run.
"""
import json
import os

import numpy as np
from scipy.optimize import linear_sum_assignment, linprog

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Fixtures")


def points(rng, n):
    # Inside the unit disc, as a Koopman spectrum mostly is, with conjugate-like clusters.
    r = np.sqrt(rng.uniform(0, 1, n)) * 1.05
    theta = rng.uniform(-np.pi, np.pi, n)
    return r * np.cos(theta), r * np.sin(theta)


def main():
    rng = np.random.default_rng(2026)
    cases = []
    for n, m in [(1, 1), (2, 2), (5, 5), (17, 17), (50, 50), (64, 64), (3, 5), (4, 6), (7, 3), (50, 49)]:
        ar, ai = points(rng, n)
        br, bi = points(rng, m)
        a = ar + 1j * ai
        b = br + 1j * bi
        cost = np.abs(a[:, None] - b[None, :])
        if n == m:
            rows, cols = linear_sum_assignment(cost)
            w1 = cost[rows, cols].sum() / n
            solver = "linear_sum_assignment"
        else:
            equality = np.zeros((n + m, n * m))
            for i in range(n):
                equality[i, i * m:(i + 1) * m] = 1
            for j in range(m):
                equality[n + j, j::m] = 1
            result = linprog(cost.ravel(), A_eq=equality, b_eq=np.r_[np.full(n, 1 / n), np.full(m, 1 / m)],
                             bounds=(0, None), method="highs")
            assert result.success
            w1 = result.fun
            solver = "linprog"
        cases.append({"a": [[float(x), float(y)] for x, y in zip(ar, ai)],
                      "b": [[float(x), float(y)] for x, y in zip(br, bi)], "w1": float(w1), "solver": solver})
    with open(os.path.join(ROOT, "transport.json"), "w") as f:
        json.dump({"cases": cases}, f, indent=None)
        f.write("\n")
    print(len(cases), "cases")


if __name__ == "__main__":
    main()
