#!/usr/bin/env python3
"""Regenerates Fixtures/ deterministically with h5py (an independent writer of the
dump format): small valid dumps in every layout and element type, and one malformed
file per rejection rule of DUMP-FORMAT.md.

    python3 -m pip install h5py numpy   # once
    python3 scripts/make-fixtures.py            # every fixture
    python3 scripts/make-fixtures.py chunks     # only the chunk-layout ones (the others keep their bytes)

The linear-system dumps follow x_{t+1} = A x_t with A = Q diag(blocks) Qᵀ, so their
Koopman eigenvalues are known exactly; they are stored in the root attributes
`true_eigenvalues_real` and `true_eigenvalues_imag`.
"""
import json
import os
import shutil
import sys
import zlib

import h5py
import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Fixtures")
BAD = os.path.join(ROOT, "malformed")

# Eigenvalues of the linear system: two conjugate pairs and four real values.
PAIRS = [(0.95, 0.3), (0.8, 1.2)]
REALS = [0.9, 0.7, 0.5, -0.4]
D = 8


def linear_system(rng):
    blocks = np.zeros((D, D))
    eig = []
    for k, (rho, theta) in enumerate(PAIRS):
        c, s = rho * np.cos(theta), rho * np.sin(theta)
        blocks[2 * k:2 * k + 2, 2 * k:2 * k + 2] = [[c, -s], [s, c]]
        eig += [complex(c, s), complex(c, -s)]
    for k, r in enumerate(REALS):
        blocks[2 * len(PAIRS) + k, 2 * len(PAIRS) + k] = r
        eig.append(complex(r, 0))
    q, _ = np.linalg.qr(rng.standard_normal((D, D)))
    return q @ blocks @ q.T, np.array(eig)


def trajectories(rng, a, lengths):
    out = []
    for t in lengths:
        x = np.empty((t, D))
        x[0] = rng.standard_normal(D)
        for i in range(1, t):
            x[i] = a @ x[i - 1]
        out.append(x)
    return out


def new_file(path):
    return h5py.File(path, "w", track_order=False, libver="earliest")


def common(f, n, rng, model):
    f.create_dataset("rewards", data=(np.arange(n) % 3 == 0).astype(np.float64), track_times=False)
    f.create_dataset("group_ids", data=np.arange(n) // 2, dtype=np.int64, track_times=False)
    f.create_dataset("advantages", data=np.linspace(-1, 1, n), track_times=False)
    str_t = h5py.string_dtype("utf-8")
    f.create_dataset("prompts", data=[f"prompt {i // 2} — été" for i in range(n)], dtype=str_t, track_times=False)
    f.create_dataset("responses", data=[f"response {i}" for i in range(n)], dtype=str_t, track_times=False)
    f.attrs["format_version"] = 1
    f.attrs["model"] = model
    f.attrs["layer"] = -1
    f.attrs["step"] = 0


def write_padded(path, trajs, dtype, rng, a, eig, chunks=None, compression=None, bfloat16=False, shuffle=False):
    n, tmax = len(trajs), max(len(x) for x in trajs)
    h = np.full((n, tmax, D), np.nan)   # padding rows hold NaN: a reader that sums them fails
    for i, x in enumerate(trajs):
        h[i, :len(x)] = x
    with new_file(path) as f:
        if bfloat16:
            bits = h.astype(np.float32).view(np.uint32)
            rounded = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)
            rounded[np.isnan(h)] = 0x7FC0
            ds = f.create_dataset("hidden_states", data=rounded, chunks=chunks, compression=compression,
                                  track_times=False)
            ds.attrs["dtype"] = "bfloat16"
        else:
            f.create_dataset("hidden_states", data=h.astype(dtype), chunks=chunks, compression=compression,
                             shuffle=shuffle or None, track_times=False)
        f.create_dataset("lengths", data=np.array([len(x) for x in trajs], dtype=np.int32), track_times=False)
        common(f, n, rng, "linear-toy")
        f.attrs["true_eigenvalues_real"] = eig.real
        f.attrs["true_eigenvalues_imag"] = eig.imag
        f.attrs["system_matrix"] = a.ravel()


def main():
    # Start afresh, but keep anything that is not a fixture (Fixtures/README.md).
    shutil.rmtree(BAD, ignore_errors=True)
    os.makedirs(BAD)
    for name in os.listdir(ROOT):
        if name.endswith(".h5"):
            os.remove(os.path.join(ROOT, name))
    rng = np.random.default_rng(20251208)
    a, eig = linear_system(rng)
    lengths = [48, 40, 33, 48, 25, 44, 48, 30]
    trajs = trajectories(rng, a, lengths)

    # Padded float32, contiguous, NaN in the padding rows (which must never be read).
    write_padded(os.path.join(ROOT, "linear-padded.h5"), trajs, np.float32, rng, a, eig)
    # Padded float16, big-endian, chunked across two trajectories, gzip.
    write_padded(os.path.join(ROOT, "linear-padded-f16be-gzip.h5"), trajs, ">f2", rng, a, eig,
                 chunks=(2, 16, D), compression="gzip")
    # Padded bfloat16 stored as uint16 with dtype = "bfloat16", chunked.
    write_padded(os.path.join(ROOT, "linear-padded-bf16.h5"), trajs, None, rng, a, eig, chunks=(3, 8, D),
                 bfloat16=True)
    # Ragged float16 with gzip, one dataset per trajectory.
    with new_file(os.path.join(ROOT, "linear-ragged-f16.h5")) as f:
        g = f.create_group("trajectories")
        for i, x in enumerate(trajs):
            g.create_dataset(str(i), data=x.astype(np.float16), chunks=(16, D), compression="gzip",
                             shuffle=True, track_times=False)
        common(f, len(trajs), rng, "linear-toy")
        f.attrs["true_eigenvalues_real"] = eig.real
        f.attrs["true_eigenvalues_imag"] = eig.imag
        f.attrs["system_matrix"] = a.ravel()

    # Padded float64 without /lengths, one trajectory with a NaN and one with an infinity.
    h = rng.standard_normal((4, 10, 5))
    h[1, 3, 2] = np.nan
    h[2, 9, 0] = np.inf
    h[2, 0, 4] = -np.inf
    with new_file(os.path.join(ROOT, "nonfinite-f64.h5")) as f:
        f.create_dataset("hidden_states", data=h, track_times=False)
        f.attrs["note"] = "trajectory 1 holds one NaN, trajectory 2 two infinities"

    # An empty dump, and one with a zero-length trajectory.
    with new_file(os.path.join(ROOT, "empty.h5")) as f:
        f.create_dataset("hidden_states", shape=(0, 0, 4), dtype=np.float32, track_times=False)
    with new_file(os.path.join(ROOT, "ragged-with-empty.h5")) as f:
        g = f.create_group("trajectories")
        g.create_dataset("0", data=np.ones((3, 2), np.float32), track_times=False)
        g.create_dataset("1", shape=(0, 2), dtype=np.float32, track_times=False)
        g.create_dataset("2", data=np.arange(4, dtype=np.float32).reshape(2, 2), track_times=False)

    # A dictionary for d = 8: W (m = 4 × d = 8, float64 to exercise conversion) and a bias.
    with new_file(os.path.join(ROOT, "dictionary-d8-m4.h5")) as f:
        f.create_dataset("weight", data=rng.uniform(-0.3, 0.3, (4, D)), track_times=False)
        f.create_dataset("bias", data=np.array([0.0, 0.1, -0.1, 0.2], np.float32), track_times=False)
        f.attrs["variant"] = "hand-made"

    # Two short synthetic training runs (metrics.jsonl in VeRL's key names), for report tests:
    # GRPO's DSD decays while ReLaX's holds; not the output of a real training run.
    for name, decay in (("grpo-seed1", 0.03), ("relax-seed1", 0.004)):
        os.makedirs(os.path.join(ROOT, "runs", name), exist_ok=True)
        with open(os.path.join(ROOT, "runs", name, "metrics.jsonl"), "w") as f:
            for step in range(40):
                row = {
                    "step": step,
                    "critic/score/mean": round(0.2 + 0.5 * (1 - np.exp(-step / 15)), 6),
                    "actor/dsd/mean": round(0.08 * np.exp(-decay * step) + 0.01, 6),
                    "actor/dsd/min": round(0.05 * np.exp(-decay * step), 6),
                    "actor/dsd/max": round(0.12 * np.exp(-decay * step) + 0.02, 6),
                    "actor/entropy": round(1.2 * np.exp(-0.02 * step) + 0.1, 6),
                    "response_length/mean": round(30 + 10 * np.sin(step / 7), 4),
                    "actor/grad_norm": round(0.5 + 0.1 * np.cos(step), 6),
                    "actor/ppo_kl": round(0.001 * step, 6),
                    "actor/pg_clipfrac": round(0.02 + 0.001 * (step % 5), 6),
                    "actor/pg_loss": round(-0.01 * step, 6),
                    "timing/step": 1.5,
                }
                if step % 10 == 9:
                    row["eval/mean@1"] = round(0.3 + 0.01 * step, 6)
                f.write(json.dumps(row, sort_keys=True) + "\n")
    os.makedirs(os.path.join(ROOT, "runs", "no-metrics"), exist_ok=True)
    with open(os.path.join(ROOT, "runs", "no-metrics", "README"), "w") as f:
        f.write("a run directory without metrics.jsonl, for the report's error test\n")
    with open(os.path.join(BAD, "older-analysis.json"), "w") as f:
        json.dump({"trajectories": [], "summary": {}}, f)
    os.makedirs(os.path.join(BAD, "bad-metrics"), exist_ok=True)
    with open(os.path.join(BAD, "bad-metrics", "metrics.jsonl"), "w") as f:
        f.write('{"step": 0, "actor/entropy": 1.0}\nnot json\n')

    # --- malformed files, one per rule ---
    def bad(name):
        return new_file(os.path.join(BAD, name))

    with open(os.path.join(BAD, "not-hdf5.h5"), "w") as f:
        f.write("hidden_states,1,2,3\nthis is a CSV file, not HDF5\n")
    with open(os.path.join(ROOT, "linear-padded.h5"), "rb") as f:
        data = f.read()
    with open(os.path.join(BAD, "truncated.h5"), "wb") as f:
        f.write(data[: len(data) // 2])
    # Corruptions that HDF5 1.10.8 itself crashes on (found by fuzzing): koopscope must still
    # exit with an error naming the file. Offsets are into the deterministic files above.
    def corrupt(source, name, edits):
        data = bytearray(open(os.path.join(ROOT, source), "rb").read())
        for offset, value in edits:
            data[offset] = value
        with open(os.path.join(BAD, name), "wb") as f:
            f.write(bytes(data))
    corrupt("linear-padded.h5", "corrupt-attribute-heap.h5", [(17956, 0), (17957, 0), (17958, 0)])
    corrupt("linear-padded-f16be-gzip.h5", "corrupt-string-heap.h5",
            [(2961, 16), (8552, 25), (9890, 1), (10663, 3), (12590, 1)])
    corrupt("linear-padded-f16be-gzip.h5", "corrupt-heap-on-close.h5",
            [(342, 16), (7326, 56), (12716, 16), (15095, 16), (17184, 210)])
    with bad("no-states.h5") as f:
        f.create_dataset("rewards", data=[1.0, 0.0], track_times=False)
    with bad("both-layouts.h5") as f:
        f.create_dataset("hidden_states", data=np.zeros((1, 2, 3), np.float32), track_times=False)
        f.create_group("trajectories").create_dataset("0", data=np.zeros((2, 3), np.float32), track_times=False)
    with bad("states-is-group.h5") as f:
        f.create_group("hidden_states")
    with bad("padded-rank2.h5") as f:
        f.create_dataset("hidden_states", data=np.zeros((4, 3), np.float32), track_times=False)
    with bad("ragged-rank3.h5") as f:
        g = f.create_group("trajectories")
        g.create_dataset("0", data=np.zeros((2, 3), np.float32), track_times=False)
        g.create_dataset("1", data=np.zeros((1, 2, 3), np.float32), track_times=False)
    with bad("lengths-too-long.h5") as f:
        f.create_dataset("hidden_states", data=np.zeros((3, 5, 2), np.float32), track_times=False)
        f.create_dataset("lengths", data=np.array([5, 6, 1], np.int64), track_times=False)
    with bad("lengths-negative.h5") as f:
        f.create_dataset("hidden_states", data=np.zeros((3, 5, 2), np.float32), track_times=False)
        f.create_dataset("lengths", data=np.array([5, -1, 1], np.int16), track_times=False)
    with bad("lengths-wrong-count.h5") as f:
        f.create_dataset("hidden_states", data=np.zeros((3, 5, 2), np.float32), track_times=False)
        f.create_dataset("lengths", data=np.array([5, 5], np.int64), track_times=False)
    with bad("rewards-wrong-count.h5") as f:
        f.create_dataset("hidden_states", data=np.zeros((3, 5, 2), np.float32), track_times=False)
        f.create_dataset("rewards", data=np.array([1.0, 0.0, 1.0, 0.0]), track_times=False)
    with bad("group-ids-float.h5") as f:
        f.create_dataset("hidden_states", data=np.zeros((3, 5, 2), np.float32), track_times=False)
        f.create_dataset("group_ids", data=np.array([0.0, 0.5, 1.0]), track_times=False)
    with bad("ragged-differing-d.h5") as f:
        g = f.create_group("trajectories")
        g.create_dataset("0", data=np.zeros((4, 3), np.float32), track_times=False)
        g.create_dataset("1", data=np.zeros((4, 5), np.float32), track_times=False)
    with bad("ragged-gap.h5") as f:
        g = f.create_group("trajectories")
        for name in ("0", "2"):
            g.create_dataset(name, data=np.zeros((4, 3), np.float32), track_times=False)
    with bad("ragged-bad-name.h5") as f:
        g = f.create_group("trajectories")
        for name in ("0", "01"):
            g.create_dataset(name, data=np.zeros((4, 3), np.float32), track_times=False)
    with bad("int32-states.h5") as f:
        f.create_dataset("hidden_states", data=np.zeros((2, 3, 4), np.int32), track_times=False)
    with bad("dictionary-no-weight.h5") as f:
        f.create_dataset("bias", data=np.zeros(4, np.float32), track_times=False)
    with bad("dictionary-rank1.h5") as f:
        f.create_dataset("weight", data=np.zeros(8, np.float32), track_times=False)
    with bad("dictionary-bias-count.h5") as f:
        f.create_dataset("weight", data=np.zeros((4, 8), np.float32), track_times=False)
        f.create_dataset("bias", data=np.zeros(3, np.float32), track_times=False)
    with bad("dictionary-int-weight.h5") as f:
        f.create_dataset("weight", data=np.zeros((4, 8), np.int32), track_times=False)
    with bad("dictionary-nan.h5") as f:
        w = np.zeros((4, 8), np.float32)
        w[1, 2] = np.nan
        f.create_dataset("weight", data=w, track_times=False)
    with bad("uint16-without-dtype.h5") as f:
        f.create_dataset("hidden_states", data=np.zeros((2, 3, 4), np.uint16), track_times=False)
    # Sizes past koopscope's bounds declared over a few bytes of fill value (nothing is written).
    with bad("states-declared-huge.h5") as f:
        f.create_dataset("hidden_states", shape=(1, 2**31, 4), chunks=(1, 1024, 4), dtype=np.float32, track_times=False)
    with bad("dictionary-declared-huge.h5") as f:
        f.create_dataset("weight", shape=(10**6, 8), chunks=(64, 8), dtype=np.float32, track_times=False)
    chunk_fixtures()


def chunk_fixtures():
    """The same linear trajectories in the chunk layouts h5py users write, and chunks that
    cannot be decoded (written raw with write_direct_chunk)."""
    rng = np.random.default_rng(20251208)
    a, eig = linear_system(rng)
    lengths = [48, 40, 33, 48, 25, 44, 48, 30]
    trajs = trajectories(rng, a, lengths)
    # One chunk per trajectory, shuffle + gzip (what incremental writers produce).
    write_padded(os.path.join(ROOT, "linear-padded-chunk-per-trajectory.h5"), trajs, np.float32, rng, a, eig,
                 chunks=(1, 48, D), compression="gzip", shuffle=True)
    # Chunks that cut trajectories along every axis, including partial edge chunks.
    write_padded(os.path.join(ROOT, "linear-padded-cut-chunks.h5"), trajs, np.float16, rng, a, eig,
                 chunks=(3, 7, 5), compression="gzip")
    write_padded(os.path.join(BAD, "lzf-states.h5"), trajs, np.float16, rng, a, eig, chunks=(1, 48, D),
                 compression="lzf")

    def direct(name, trajectory, stored):
        path = os.path.join(BAD, name)
        write_padded(path, trajs, np.float16, rng, a, eig, chunks=(1, 48, D), compression="gzip")
        with h5py.File(path, "r+") as f:
            f["hidden_states"].id.write_direct_chunk((trajectory, 0, 0), stored)
    plain = np.zeros((1, 48, D), np.float16).tobytes()
    direct("chunk-corrupt-deflate.h5", 3, b"\x78\x9c" + bytes(range(7, 200)))
    direct("chunk-truncated-stream.h5", 2, zlib.compress(plain)[: len(zlib.compress(plain)) // 2])
    direct("chunk-wrong-size.h5", 5, zlib.compress(plain[: len(plain) // 2]))


if __name__ == "__main__":
    if sys.argv[1:] == ["chunks"]:
        chunk_fixtures()
    else:
        main()
