"""The Python studies in python/examples run end to end on the fixture checkpoints."""

import subprocess
import sys

import pytest

from conftest import ROOT


def test_compare_checkpoints_prints_every_layer():
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    script = ROOT / "python" / "examples" / "compare_checkpoints.py"
    base, tuned = ROOT / "Fixtures" / "hf" / "qwen3-f32", ROOT / "Fixtures" / "hf" / "qwen2-bf16"
    out = subprocess.run([sys.executable, str(script), str(base), str(tuned), "--prompts", "6", "--new-tokens", "32"],
                         check=True, capture_output=True, text=True).stdout
    rows = [line.split() for line in out.splitlines() if len(line.split()) == 7 and line.split()[0].isdigit()]
    assert [int(r[0]) for r in rows] == [0, 1, 2]        # embeddings, block 1, the final norm's output
    for r in rows:
        w1, pooled, p = float(r[3]), float(r[4]), float(r[6])
        assert w1 > 0 and pooled > 0 and 0 <= p <= 1     # two different random models: the spectra differ
