"""The numpy API against numpy's own linear algebra, finite differences and h5py."""

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

import koopscope
from conftest import ROOT, plain_dsd, sigmoid


def trajectory(t=60, d=6, seed=0):
    rng = np.random.default_rng(seed)
    x = np.cumsum(rng.standard_normal((t, d)), axis=0) * 0.1
    return x.astype(np.float32)


@pytest.mark.parametrize("variant", ["paper", "reference"])
def test_dsd_is_numpys(variant):
    x = trajectory()
    w = koopscope.default_dictionary(6, m=8)
    expected = plain_dsd(sigmoid(x.astype(np.float64) @ w.T.astype(np.float64)), variant)
    assert koopscope.dsd(x, w, variant=variant) == pytest.approx(expected, rel=1e-5)


def test_a_batch_with_lengths_is_each_trajectory_alone():
    x = np.stack([trajectory(seed=s) for s in range(3)])
    w = koopscope.default_dictionary(6, m=8)
    lengths = [60, 41, 1]
    x[1, 41:] = 1e6            # past its length: must not matter
    values = koopscope.dsd(x, w, lengths=lengths)
    assert values[0] == koopscope.dsd(x[0], w)
    assert values[1] == koopscope.dsd(x[1, :41], w)
    assert np.isnan(values[2])  # one state: no snapshot pair


def test_the_feature_gradient_is_central_differences():
    rng = np.random.default_rng(3)
    g = 0.2 + 0.6 * rng.random((25, 5))
    for variant in ("paper", "reference"):
        value, grad = koopscope.dsd_features(g, variant=variant, gradient=True)
        assert value == pytest.approx(plain_dsd(g, variant), rel=1e-10)
        h = 1e-6
        numeric = np.zeros_like(g)
        for i in range(g.shape[0]):
            for j in range(g.shape[1]):
                plus, minus = g.copy(), g.copy()
                plus[i, j] += h
                minus[i, j] -= h
                numeric[i, j] = (plain_dsd(plus, variant) - plain_dsd(minus, variant)) / (2 * h)
        assert np.max(np.abs(grad - numeric)) <= 1e-6 * np.max(np.abs(numeric))


def test_the_state_gradient_is_the_chain_rule_through_the_lift():
    x = trajectory(40, 4)
    w = koopscope.default_dictionary(4, m=5)
    b = np.linspace(-0.5, 0.5, 5).astype(np.float32)
    value, gx, gw, gb = koopscope.dsd_and_grad(x, w, b)
    g = sigmoid(x.astype(np.float64) @ w.T.astype(np.float64) + b)
    _, gg = koopscope.dsd_features(g, gradient=True)
    z_bar = gg * g * (1 - g)
    assert value == pytest.approx(plain_dsd(g), rel=1e-4)
    np.testing.assert_allclose(gx, z_bar @ w.astype(np.float64), rtol=2e-3, atol=1e-6 * np.abs(gx).max())
    np.testing.assert_allclose(gw, z_bar.T @ x.astype(np.float64), rtol=2e-3, atol=1e-6 * np.abs(gw).max())
    np.testing.assert_allclose(gb, z_bar.sum(0), rtol=2e-3, atol=1e-6 * np.abs(gb).max())


def test_float16_and_bfloat16_states_are_decoded():
    x = trajectory()
    w = koopscope.default_dictionary(6, m=8)
    half = x.astype(np.float16)
    assert koopscope.dsd(half, w) == koopscope.dsd(half.astype(np.float32), w)
    bits = (x.view(np.uint32) >> 16).astype(np.uint16)           # truncated bfloat16
    as_float = (bits.astype(np.uint32) << 16).view(np.float32)
    assert koopscope.dsd(bits, w, bfloat16=True) == koopscope.dsd(as_float, w)


def test_analyze_has_the_clis_keys_and_numbers(fixtures, tmp_path):
    path = fixtures / "linear-padded.h5"
    report = koopscope.analyze(path, identity=True, rank=8)
    assert report["format"] == "koopscope-analysis"
    cli = ROOT / ".build" / "release" / "koopscope"
    if cli.exists():
        out = tmp_path / "cli.json"
        subprocess.run([str(cli), "analyze", str(path), "--identity", "--rank", "8", "--format", "json", "-o",
                        str(out), "--quiet"], check=True)
        assert report == json.loads(out.read_text())
    # The same states from memory: the same per-trajectory numbers.
    states, lengths = koopscope.read_dump(path)
    memory = koopscope.analyze(states, lengths=lengths, identity=True, rank=8)
    assert [t["dsd"] for t in memory["trajectories"]] == [t["dsd"] for t in report["trajectories"]]
    assert memory["dump"]["layout"] == "memory"


def test_effective_rank_is_numpys():
    x = np.stack([trajectory(t=40, d=6, seed=s) for s in range(3)])
    lengths = [40, 25, 9]
    report = koopscope.analyze(x, lengths=lengths, effective_rank=True)
    assert report["settings"]["effective_rank"] is True
    for k, t in enumerate(report["trajectories"]):
        s = np.linalg.svd(x[k, :lengths[k]].astype(np.float64), compute_uv=False)
        p = s / s.sum()
        expected = np.exp(-(p * np.log(p)).sum())
        assert t["effective_rank"] == pytest.approx(expected, rel=1e-9)
    assert report["summary"]["effective_rank"]["count"] == 3
    assert "effective_rank" not in koopscope.analyze(x, lengths=lengths)["trajectories"][0]


def test_a_layer_of_a_dump_is_h5pys(tmp_path):
    h5py = pytest.importorskip("h5py")
    rng = np.random.default_rng(3)
    main, layer = (rng.standard_normal((4, 30, 5)).astype(np.float32) for _ in range(2))
    path = tmp_path / "layers.h5"
    with h5py.File(path, "w") as f:
        f["hidden_states"] = main
        f["lengths"] = [30, 12, 20, 30]
        f["layers/3/hidden_states"] = layer
        f.attrs["num_hidden_layers"] = 4
    at3 = koopscope.analyze(path, layer=3, identity=True, rank=2)
    alone = koopscope.analyze(layer, lengths=[30, 12, 20, 30], identity=True, rank=2)
    assert [t["dsd"] for t in at3["trajectories"]] == [t["dsd"] for t in alone["trajectories"]]
    assert at3["dump"]["layer"] == 3
    assert koopscope.analyze(path, layer=-2, identity=True, rank=2)["trajectories"] == at3["trajectories"]
    with pytest.raises(koopscope.KoopscopeError, match="holds no layer 1|layer 1"):
        koopscope.analyze(path, layer=1)
    with pytest.raises(koopscope.KoopscopeError, match="layer"):
        koopscope.analyze(main, layer=3)


def test_compare_is_scipys():
    optimize = pytest.importorskip("scipy.optimize")
    x = np.stack([trajectory(t=50, d=6, seed=s) for s in range(4)])
    y = x + np.random.default_rng(9).standard_normal(x.shape).astype(np.float32) * 0.05
    a = koopscope.analyze(x, identity=True, rank=5)
    b = koopscope.analyze(y, identity=True, rank=5)
    result = koopscope.compare(a, b, names=("x", "y"))
    assert result["format"] == "koopscope-comparison" and result["a"] == "x"
    for k, pair in enumerate(result["pairs"]):
        p = np.array([complex(*z) for z in a["trajectories"][k]["eigenvalues"]])
        q = np.array([complex(*z) for z in b["trajectories"][k]["eigenvalues"]])
        cost = np.abs(p[:, None] - q[None, :])
        rows, cols = optimize.linear_sum_assignment(cost)
        assert pair["w1"] == pytest.approx(cost[rows, cols].sum() / len(p), rel=1e-9, abs=1e-15)
    differences = [t["dsd"] - u["dsd"] for t, u in zip(b["trajectories"], a["trajectories"])]
    assert result["dsd"]["mean_difference"] == pytest.approx(np.mean(differences), rel=1e-12)
    other = koopscope.analyze(y, identity=True, rank=4)
    with pytest.raises(koopscope.ArgumentError, match="settings.rank is 4"):
        koopscope.compare(a, other)


def test_read_dump_is_h5pys(fixtures):
    h5py = pytest.importorskip("h5py")
    states, lengths = koopscope.read_dump(fixtures / "linear-ragged-f16.h5")
    with h5py.File(fixtures / "linear-ragged-f16.h5") as f:
        names = sorted(f["trajectories"].keys(), key=int)
        for i, name in enumerate(names):
            own = f["trajectories"][name][()].astype(np.float32)
            assert lengths[i] == own.shape[0]
            np.testing.assert_array_equal(states[i, :own.shape[0]], own)
            assert not states[i, own.shape[0]:].any()


def test_fit_dictionary_learns_and_reports():
    x = np.stack([trajectory(50, 4, seed=s) for s in range(6)])
    w, b, report = koopscope.fit_dictionary(x, m=5, steps=4, batch=3, lr=1e-3, bias=True)
    assert w.shape == (5, 4) and b.shape == (5,)
    assert len(report["losses"]) == 4 and all(np.isfinite(report["losses"]))
    assert not np.array_equal(w, koopscope.default_dictionary(4, m=5))
    again, _, _ = koopscope.fit_dictionary(x, m=5, steps=4, batch=3, lr=1e-3, bias=True)
    np.testing.assert_array_equal(w, again)


def test_bad_input_raises_koopscopes_message(fixtures):
    w = koopscope.default_dictionary(6, m=8)
    with pytest.raises(koopscope.ArgumentError, match="weight must be m×d"):
        koopscope.dsd(trajectory(), w[:, :3])
    with pytest.raises(koopscope.ArgumentError, match=r"lengths\[0\] is 99"):
        koopscope.dsd(trajectory()[None], w, lengths=[99])
    with pytest.raises(koopscope.ArgumentError, match="\"rnak\" is not a setting"):
        koopscope.analyze(trajectory()[None], rnak=3)
    with pytest.raises(koopscope.ArgumentError, match="variant 'papre'"):
        koopscope.dsd(trajectory(), w, variant="papre")
    with pytest.raises(koopscope.NumericalError, match="non-finite"):
        x = trajectory()
        x[3, 2] = np.nan
        koopscope.dsd(x, w)
    with pytest.raises(koopscope.ArgumentError, match="states: dtype int64 is not a floating type"):
        koopscope.dsd(np.zeros((5, 6), dtype=np.int64), w)
    with pytest.raises(koopscope.ArgumentError, match="must be T×d or B×L×d"):
        koopscope.dsd(np.zeros(5, dtype=np.float32), w)
    strided = np.asfortranarray(trajectory())                      # not C-contiguous: copied, same answer
    assert koopscope.dsd(strided, w) == koopscope.dsd(trajectory(), w)
    with pytest.raises(koopscope.FileError, match="no such file"):
        koopscope.read_dump("/no/such/dump.h5")
    with pytest.raises(koopscope.FileError, match="lzf"):
        koopscope.analyze(fixtures / "malformed" / "lzf-states.h5")
    with pytest.raises(koopscope.FileError):
        koopscope.read_dump(fixtures / "malformed" / "not-hdf5.h5")


def test_many_threads_at_once(fixtures):
    w = koopscope.default_dictionary(6, m=8)
    xs = [trajectory(seed=s) for s in range(8)]
    expected = [koopscope.dsd(x, w) for x in xs]
    results = [None] * 8

    def work(k):
        results[k] = (koopscope.dsd(xs[k], w), koopscope.read_dump(fixtures / "linear-padded.h5")[1].tolist())

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r[0] for r in results] == expected
    assert all(r[1] == results[0][1] for r in results)


def test_the_installed_package_carries_its_library_and_runtime():
    lib = Path(koopscope._native.library_path)
    assert lib.parent == Path(koopscope.__file__).resolve().parent / "_lib"
    assert (lib.parent / "libswiftCore.so").exists() and (lib.parent / "libFoundationEssentials.so").exists()
    # The library links FoundationEssentials only: neither Foundation nor its ICU comes along.
    assert not (lib.parent / "libFoundation.so").exists() and not (lib.parent / "lib_FoundationICU.so").exists()
    env = {k: v for k, v in os.environ.items() if k not in ("LD_LIBRARY_PATH", "KOOPSCOPE_LIBRARY")}
    out = subprocess.run([sys.executable, "-c", "import koopscope; print(koopscope.__version__)"], cwd="/",
                         env=env, check=True, capture_output=True, text=True)
    assert out.stdout.strip() == koopscope.__version__


def test_sizes_past_the_limits_raise_and_the_interpreter_survives():
    # In a child interpreter: an abort there (as an allocation of m × m for m = 10¹² once was)
    # fails this test instead of ending the test run.
    script = """
import numpy as np, koopscope
x = np.random.default_rng(0).standard_normal((40, 4)).astype(np.float32)
calls = [
    lambda: koopscope.analyze(x, koopman_dim=10**12),
    lambda: koopscope.analyze(x, koopman_dim=1e300),
    lambda: koopscope.analyze(x, shard="1/1000000000000"),
    lambda: koopscope.analyze(x, identity=True, ridge=0.1),
    lambda: koopscope.fit_dictionary(x, m=10**12),
    lambda: koopscope.default_dictionary(4, m=10**12),
]
for call in calls:
    try:
        call()
    except koopscope.ArgumentError as error:
        print("refused:", error)
    else:
        raise SystemExit("accepted")
print("survived")
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == "survived"
    assert sum(line.startswith("refused:") for line in lines) == 6
    assert '"koopman_dim" is 1000000000000; it must be a whole number in 1…4096' in result.stdout
    assert "m is 1000000000000" in result.stdout


def test_settings_tables_are_the_librarys():
    analyze = koopscope.settings("analyze")
    names = [s["name"] for s in analyze]
    assert names[:4] == ["dictionary", "identity", "rank", "koopman_dim"]
    for setting in analyze:
        assert setting["name"] + " [" in koopscope.analyze.__doc__.replace("\n", " ").replace("    ", " ")
    assert koopscope.settings("limits")["koopman_dim"] == [1, 4096]
    with pytest.raises(koopscope.ArgumentError):
        koopscope.settings("nope")


def test_torch_and_ray_resolve_lazily_as_attributes():
    script = "import sys, koopscope; assert 'koopscope.ray' not in sys.modules; koopscope.ray; print(koopscope.ray.__name__)"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    if "No module named 'ray'" in result.stderr:
        pytest.skip("ray is not installed")
    assert result.returncode == 0 and result.stdout.strip() == "koopscope.ray", result.stderr


def test_inspect_is_the_clis(fixtures):
    path = fixtures / "nonfinite-f64.h5"
    report = koopscope.inspect(path)
    cli = json.loads(subprocess.run([str(ROOT / ".build" / "debug" / "koopscope"), "inspect", str(path), "--format", "json"],
                                    capture_output=True, text=True).stdout) if (ROOT / ".build" / "debug" / "koopscope").exists() else None
    assert report["trajectories"] == 4 and report["dimension"] == 5 and report["non_finite_values"] == 3
    assert report["trajectories_with_non_finite"] == [1, 2]
    if cli is not None:
        assert cli == report
    assert "non_finite_values" not in koopscope.inspect(path, structure_only=True)
    with pytest.raises(koopscope.FileError, match="no such file"):
        koopscope.inspect("/no/such/dump.h5")
