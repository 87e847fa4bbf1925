#!/usr/bin/env python3
"""Prints the scipy values the significance tests compare against.

Tests/KoopScopeTests/SignificanceTests.swift and PairedComparisonTests.swift hold these numbers;
run this (with scipy installed) to regenerate or check them: python3 scripts/significance-values.py
"""
import scipy
from scipy import special, stats

print(f"scipy {scipy.__version__}")
print("betainc(2.5, 3.5, 0.3) =", repr(special.betainc(2.5, 3.5, 0.3)))
for t, df in [(2.0, 10), (1.3, 3.7), (-0.5, 25)]:
    print(f"two-sided Student p(t={t}, df={df}) =", repr(2 * stats.t.sf(abs(t), df)))

a = [1.1, 2.3, 0.7, 4.5, 3.3, 2.2]
b = [5.1, 4.4, 6.3, 3.9, 7.2, 5.5, 6.1]
w = stats.ttest_ind(a, b, equal_var=False)
print("welch t, p =", repr(w.statistic), repr(w.pvalue))
u = stats.mannwhitneyu(a, b, method="asymptotic")
print("mann-whitney U, p =", repr(u.statistic), repr(u.pvalue))
u = stats.mannwhitneyu([1, 2, 2, 3, 3, 3, 4], [2, 3, 3, 4, 4, 5, 5, 5], method="asymptotic")
print("mann-whitney (ties) U, p =", repr(u.statistic), repr(u.pvalue))

# Paired comparisons: differences d (method − baseline).
for d in [[1, 2, 3, 4, 5], [0.05, -0.02, 0.07, 0.03, 0.01, -0.04]]:
    t = stats.ttest_1samp(d, 0)
    print(f"paired t {d}: t, p =", repr(t.statistic), repr(t.pvalue))
for d in [[1, 2, 3, 4, 5], [0.05, -0.02, 0.07, 0.03, 0.01, -0.04], [1, -1, 2, 3, 4], [1, 1, 2, -3, 4, 2, 5]]:
    r = stats.wilcoxon(d)
    print(f"wilcoxon {d}: W, p =", repr(r.statistic), repr(r.pvalue))
