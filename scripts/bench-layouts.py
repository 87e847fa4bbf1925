#!/usr/bin/env python3
"""koopscope analyze on one dump written in every layout h5py users write, each beside its
floor (h5py's read of that file to float32 plus the bare lift GEMM) and beside a numpy
implementation of the same analysis, all in one run; then exact DMD beside PyDMD, and peak
memory at several dump sizes. Called by scripts/bench-analyze; docs/benchmarks.md records it.

    python3 scripts/bench-layouts.py [--trajectories 256] [--skip-numpy] [--dmd-only]
"""
import argparse
import os
import resource
import subprocess
import sys
import time

import h5py
import numpy as np

from benchtime import best  # scripts/benchtime.py

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
DATA = os.path.join(ROOT, "bench-data", "layouts")
KOOPSCOPE = os.path.join(ROOT, ".build", "release", "koopscope")
T, D, M = 1024, 896, 50

LAYOUTS = {
    "contiguous": dict(),
    "chunk per trajectory": dict(chunks=(1, T, D)),
    "chunk per trajectory, gzip": dict(chunks=(1, T, D), compression="gzip"),
    "chunk per trajectory, shuffle+gzip": dict(chunks=(1, T, D), compression="gzip", shuffle=True),
    "h5py automatic chunks": dict(chunks=True),
    "chunks cutting trajectories (4×200×300), gzip": dict(chunks=(4, 200, 300), compression="gzip"),
    "ragged (one dataset per trajectory)": "ragged",
}


def file_name(layout, n):
    slug = "".join(c if c.isalnum() else "-" for c in layout).strip("-")
    while "--" in slug:
        slug = slug.replace("--", "-")
    return os.path.join(DATA, f"{slug}-{n}.h5")


def states(n, seed=1):
    """A damped random walk of the order of real hidden states, trajectory by trajectory."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(D).astype(np.float32)
    for _ in range(n):
        out = np.empty((T, D), np.float32)
        noise = rng.uniform(-0.3, 0.3, (T, D)).astype(np.float32)
        for t in range(T):
            x = 0.95 * x + noise[t]
            out[t] = x
        yield out.astype(np.float16)


def generate(layout, n):
    path = file_name(layout, n)
    if os.path.exists(path):
        return path
    os.makedirs(DATA, exist_ok=True)
    tmp = path + ".tmp"
    with h5py.File(tmp, "w") as f:
        if LAYOUTS[layout] == "ragged":
            g = f.create_group("trajectories")
            for i, x in enumerate(states(n)):
                g.create_dataset(str(i), data=x)
        else:
            ds = f.create_dataset("hidden_states", shape=(n, T, D), dtype=np.float16, **LAYOUTS[layout])
            for i, x in enumerate(states(n)):
                ds[i] = x
            f.create_dataset("lengths", data=np.full(n, T, np.int64))
    os.rename(tmp, path)
    return path


def dictionary():
    path = os.path.join(DATA, "dictionary.h5")
    os.makedirs(DATA, exist_ok=True)
    if not os.path.exists(path):
        rng = np.random.default_rng(7)
        bound = np.sqrt(6.0 / D)
        with h5py.File(path + ".tmp", "w") as f:
            f["weight"] = rng.uniform(-bound, bound, (M, D)).astype(np.float32)
            f["bias"] = np.zeros(M, np.float32)
        os.rename(path + ".tmp", path)
    with h5py.File(path) as f:
        return path, f["weight"][...], f["bias"][...]


def h5py_read(path, each):
    """The file read to float32 the fastest way h5py offers for its layout: trajectory by
    trajectory, or a whole row of chunks at a time when chunks span trajectories."""
    with h5py.File(path) as f:
        if "trajectories" in f:
            g = f["trajectories"]
            for i in range(len(g)):
                each(g[str(i)][...].astype(np.float32))
            return
        ds = f["hidden_states"]
        step = ds.chunks[0] if ds.chunks else 1
        for i in range(0, ds.shape[0], step):
            block = ds[i:i + step].astype(np.float32)
            for x in block:
                each(x)


def numpy_analysis(x, w, b, delta=1e-3):
    """The analysis koopscope runs, in numpy: lift, ridge K, eigenvalues with residuals, DSDs."""
    psi = 1.0 / (1.0 + np.exp(-(x @ w.T + b)))
    psi = psi.astype(np.float64)
    px, py = psi[:-1], psi[1:]
    g = px.T @ px
    a = px.T @ py
    k = np.linalg.solve(g + delta * np.eye(len(g)), a)
    lam, v = np.linalg.eig(k)
    pv, qv = px @ v, py @ v
    num = np.linalg.norm(qv - pv * lam, axis=0)
    den = np.linalg.norm(pv, axis=0)
    residuals = num / den
    s = np.linalg.svd(k, compute_uv=False)
    return np.var(np.abs(lam), ddof=1), np.var(s, ddof=1), residuals


def run_koopscope(args):
    start = time.perf_counter()
    result = subprocess.run(["/usr/bin/time", "-f", "%M"] + [KOOPSCOPE] + args, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"koopscope {' '.join(args)} failed:\n{result.stderr}")
    rss_kb = int(result.stderr.strip().splitlines()[-1])
    return wall, rss_kb / 1024


def layouts(n, repeats, skip_numpy):
    dict_path, w, b = dictionary()
    rows = []
    print(f"== layouts: {n} trajectories × {T} × {D}, float16, m = {M}; best of {repeats}")
    print(f"{'layout':50} {'MB':>6} {'read':>6} {'GEMM':>6} {'floor':>6} {'koop':>6} {'ratio':>6} "
          f"{'RSS MB':>7} {'numpy':>6} {'np/koop':>7}")
    wt = np.ascontiguousarray(w.T)
    block = np.random.default_rng(0).standard_normal((T, D)).astype(np.float32)
    gemm = best(repeats, lambda: [block @ wt for _ in range(n)])
    for layout in LAYOUTS:
        path = generate(layout, n)
        size = os.path.getsize(path) / 1e6
        read = best(repeats, lambda: h5py_read(path, lambda x: None))
        floor = read + gemm
        out = "/tmp/koopscope-layout.json"
        koop, rss = min((run_koopscope(["analyze", path, "--dictionary", dict_path, "--format", "json",
                                        "-o", out, "--quiet"]) for _ in range(repeats)), key=lambda r: r[0])
        numpy_time = float("nan")
        if not skip_numpy:
            numpy_time = best(1, lambda: h5py_read(path, lambda x: numpy_analysis(x, w, b)))
        rows.append((layout, koop / floor))
        print(f"{layout:50} {size:6.0f} {read:6.2f} {gemm:6.2f} {floor:6.2f} {koop:6.2f} {koop / floor:6.2f} "
              f"{rss:7.1f} {numpy_time:6.2f} {numpy_time / koop:7.2f}", flush=True)
    return rows


def dmd(n_traj, rank):
    """Exact DMD of the first trajectories of the contiguous dump: koopscope against PyDMD,
    with the largest eigenvalue difference after matching."""
    from pydmd import DMD
    path = generate("contiguous", 256)
    with h5py.File(path) as f:
        xs = [f["hidden_states"][i].astype(np.float64) for i in range(n_traj)]
    out = "/tmp/koopscope-dmd.json"
    for rank_arg, svd_rank in ((str(rank), rank), ("0.9", 0.9), ("optimal", 0)):
        start = time.perf_counter()
        eigs = []
        for x in xs:
            model = DMD(svd_rank=svd_rank, exact=True)
            model.fit(x.T)
            eigs.append(np.asarray(model.eigs))
        pydmd = time.perf_counter() - start
        subset = os.path.join(DATA, f"contiguous-first-{n_traj}.h5")
        if not os.path.exists(subset):
            with h5py.File(path) as f, h5py.File(subset, "w") as g:
                g["hidden_states"] = f["hidden_states"][:n_traj]
        koop, _ = run_koopscope(["analyze", subset, "--identity", "--rank", rank_arg, "--format", "json",
                                 "-o", out, "--quiet"])
        import json
        with open(out) as fh:
            report = json.load(fh)
        worst = 0.0
        for mine, theirs in zip(report["trajectories"], eigs):
            ours = np.array([complex(e[0], e[1]) for e in mine["eigenvalues"]])
            if len(ours) != len(theirs):
                worst = float("inf")
                continue
            for z in theirs:
                worst = max(worst, np.min(np.abs(ours - z)))
        print(f"exact DMD rank {rank_arg:8} {n_traj} trajectories: PyDMD {pydmd:6.2f} s, koopscope {koop:6.2f} s, "
              f"{pydmd / koop:5.1f}×; max |λ − λ_PyDMD| = {worst:.2e}", flush=True)


def memory():
    print("== peak memory of koopscope analyze (JSON report to a file)")
    for n in (64, 256, 1024):
        for layout in ("contiguous", "chunk per trajectory, gzip"):
            path = generate(layout, n)
            wall, rss = run_koopscope(["analyze", path, "--format", "json", "-o", "/tmp/koopscope-mem.json",
                                       "--quiet"])
            print(f"{n:5} trajectories, {layout:30}: {wall:6.2f} s, peak RSS {rss:6.1f} MB", flush=True)


def scaling(n):
    """One process against two shards run at once with xargs -P 2, then merged."""
    print("== scaling: the whole dump in one process against --shard 1/2 and 2/2 at once (xargs -P 2)")
    for layout in ("contiguous", "chunk per trajectory, gzip"):
        path = generate(layout, n)
        one, _ = run_koopscope(["analyze", path, "--format", "json", "-o", "/tmp/koopscope-one.json", "--quiet"])
        start = time.perf_counter()
        subprocess.run(f"printf '1\\n2\\n' | xargs -P 2 -I K {KOOPSCOPE} analyze {path} --shard K/2 --format json "
                       f"-o /tmp/koopscope-part-K.json --quiet", shell=True, check=True)
        two = time.perf_counter() - start
        start = time.perf_counter()
        subprocess.run([KOOPSCOPE, "merge", "/tmp/koopscope-part-1.json", "/tmp/koopscope-part-2.json",
                        "-o", "/tmp/koopscope-merged.json"], check=True)
        merge = time.perf_counter() - start
        same = open("/tmp/koopscope-one.json", "rb").read() == open("/tmp/koopscope-merged.json", "rb").read()
        print(f"{layout:30}: 1 process {one:5.2f} s; 2 shards at once {two:5.2f} s ({one / two:4.2f}×), "
              f"merge {merge:4.2f} s; merged report identical: {same}", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--trajectories", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-numpy", action="store_true")
    parser.add_argument("--only", choices=["layouts", "dmd", "memory", "scaling"])
    args = parser.parse_args()
    print(f"== machine: {os.cpu_count()} cores; numpy {np.__version__}, h5py {h5py.__version__}, "
          f"HDF5 {h5py.version.hdf5_version}")
    if args.only in (None, "layouts"):
        layouts(args.trajectories, args.repeats, args.skip_numpy)
    if args.only in (None, "dmd"):
        dmd(32, 50)
    if args.only in (None, "scaling"):
        scaling(args.trajectories)
    if args.only in (None, "memory"):
        memory()


if __name__ == "__main__":
    main()
