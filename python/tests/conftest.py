import os
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "Fixtures"


@pytest.fixture
def fixtures():
    return FIXTURES


def plain_dsd(g, variant="paper", delta=1e-3, population=False):
    """DSD of lifted features g (T×m) by numpy, written out from docs/math.md: the ridge
    K = (Ψ_XᵀΨ_X + δI)⁻¹Ψ_XᵀΨ_Y, then Var |λ| (paper) or Var √(s² + 10⁻³) (reference)."""
    px, py = g[:-1], g[1:]
    k = np.linalg.solve(px.T @ px + delta * np.eye(g.shape[1]), px.T @ py)
    values = np.abs(np.linalg.eigvals(k)) if variant == "paper" else np.sqrt(np.linalg.svd(k, compute_uv=False) ** 2 + 1e-3)
    return float(np.var(values, ddof=0 if population else 1))


def sigmoid(z):
    return 1 / (1 + np.exp(-z))
