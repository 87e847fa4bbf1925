"""koopscope from Python: DSD and its gradient, the Koopman analysis of hidden-state
trajectories, dictionary fitting and dump reading, by koopscope's Swift library.

    import numpy as np, koopscope
    states = np.random.default_rng(0).standard_normal((200, 16)).astype(np.float32)
    weight = koopscope.default_dictionary(16)          # the paper's m = 50 sigmoid features
    print(koopscope.dsd(states, weight))               # Var |λ_j| of the ridge Koopman estimate
    report = koopscope.analyze(states[None])           # as `koopscope analyze --format json`

Arrays are row-major numpy arrays: one trajectory T×d, or a batch B×L×d with `lengths`
(valid states per trajectory; the rest is ignored). Formulas and defaults are those of the
project's docs/math.md.
"""

from __future__ import annotations

import ctypes
import functools
import json
import os
from typing import Any, Optional, Sequence, Union

import numpy as np

from . import _native
from ._native import ArgumentError, FileError, InternalError, KoopscopeError, NumericalError

__all__ = ["dsd", "dsd_and_grad", "dsd_features", "analyze", "analyze_text", "compare", "merge", "fit_dictionary", "inspect", "read_dump",
           "default_dictionary", "settings", "KoopscopeError", "ArgumentError", "NumericalError", "FileError", "InternalError", "__version__"]

__version__ = _native.lib.koopscope_version().decode()

ArrayLike = Union[np.ndarray, Sequence[int]]

_VARIANTS = {"paper": 0, "reference": 1}
_DTYPES = {np.dtype(np.float16): _native.FLOAT16, np.dtype(np.float32): _native.FLOAT32,
           np.dtype(np.float64): _native.FLOAT64}


def settings(table: str) -> Any:
    """A settings table of the library: "analyze" or "fit_dictionary" (a list of dicts with each
    key's name, kind, default, bounds and help — the keyword arguments of analyze and
    fit_dictionary), or "limits" (name → [lowest, highest], the bounds every call applies)."""
    status = _native.Status()
    text = ctypes.c_void_p()
    _native.check(_native.lib.koopscope_settings(str(table).encode(), ctypes.byref(text), ctypes.byref(status)), status)
    return json.loads(_native.take_string(text.value))


@functools.lru_cache(maxsize=None)
def _limits():
    # The library's bounds never change within a process: asked once.
    return settings("limits")


def _within(value, name, limit):
    """int(value), raising ArgumentError unless it lies within the library's bound `limit`
    (checked here where the package allocates an array of that size before the call)."""
    lowest, highest = _limits()[limit]
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or not lowest <= value <= highest:
        raise ArgumentError(1, f"{name} is {value!r}; it must be a whole number in {lowest}…{highest}")
    return int(value)


def _pointer(array):
    return array.ctypes.data_as(ctypes.c_void_p) if array is not None else None


def _options(variant, population, delta, padded_length, window):
    if variant not in _VARIANTS:
        raise ArgumentError(1, f"variant {variant!r} is neither 'paper' nor 'reference'")
    options = _native.DSDOptions()
    _native.lib.koopscope_dsd_options_init(ctypes.byref(options))
    options.variant = _VARIANTS[variant]
    options.population = 1 if population else 0
    options.delta = float(delta)
    options.padded_length = int(padded_length or 0)
    options.window = int(window or 0)
    return options


def _batch(x, name, dtypes=None, bfloat16=False):
    """(array C-contiguous, dtype code, B, L, width, single): one trajectory becomes a batch of one."""
    x = np.asarray(x)
    if bfloat16:
        if x.dtype != np.uint16:
            raise ArgumentError(1, f"{name}: bfloat16=True expects the raw bits as uint16, got {x.dtype}")
        code = _native.BFLOAT16
    else:
        if x.dtype.kind != "f":
            raise ArgumentError(1, f"{name}: dtype {x.dtype} is not a floating type (float16, float32 or float64; "
                                   "bfloat16 as its uint16 bits with bfloat16=True)")
        if x.dtype not in (dtypes or _DTYPES):
            x = x.astype(np.float32) if dtypes is None else x.astype(np.float64)
        code = _DTYPES[x.dtype]
    if x.ndim == 2:
        single, x = True, x[None]
    elif x.ndim == 3:
        single = False
    else:
        raise ArgumentError(1, f"{name} must be T×d or B×L×d, got shape {x.shape}")
    return np.ascontiguousarray(x), code, x.shape[0], x.shape[1], x.shape[2], single


def _lengths(lengths, batch):
    if lengths is None:
        return None
    out = np.ascontiguousarray(np.asarray(lengths, dtype=np.int64).reshape(-1))
    if out.shape[0] != batch:
        raise ArgumentError(1, f"lengths has {out.shape[0]} entries for {batch} trajectories")
    return out


def default_dictionary(d: int, m: int = 50, seed: int = 42) -> np.ndarray:
    """The sigmoid dictionary `koopscope analyze` lifts with when given none (Kaiming-uniform
    from a seed): W, m×d float32, drawn by the library, so Python and the CLI lift alike."""
    weight = np.empty((_within(m, "m", "koopman_dim"), _within(d, "d", "d")), dtype=np.float32)
    status = _native.Status()
    _native.check(_native.lib.koopscope_default_dictionary(int(d), int(m), int(seed), _pointer(weight),
                                                           ctypes.byref(status)), status)
    return weight


def dsd(states: np.ndarray, weight: np.ndarray, bias: Optional[np.ndarray] = None, lengths: Optional[ArrayLike] = None,
        variant: str = "paper", population: bool = False, delta: float = 1e-3, padded_length: int = 0, window: int = 0,
        bfloat16: bool = False) -> Union[float, np.ndarray]:
    """DSD of one trajectory (T×d → float) or a batch (B×L×d → B floats, NaN where a trajectory
    is too short) lifted by σ(x Wᵀ + b)."""
    return dsd_and_grad(states, weight, bias, lengths, variant, population, delta, padded_length, window, bfloat16,
                        gradient=False)


def dsd_and_grad(states: np.ndarray, weight: np.ndarray, bias: Optional[np.ndarray] = None,
                 lengths: Optional[ArrayLike] = None, variant: str = "paper", population: bool = False,
                 delta: float = 1e-3, padded_length: int = 0, window: int = 0, bfloat16: bool = False,
                 gradient: bool = True) -> Any:
    """DSD with ∂DSD/∂states (same shape, float64), ∂DSD/∂W (m×d) and ∂DSD/∂b (m), the last two
    summed over the batch: (dsd, grad_states, grad_weight, grad_bias)."""
    x, code, b, length, d, single = _batch(states, "states", bfloat16=bfloat16)
    w = np.ascontiguousarray(np.asarray(weight, dtype=np.float32))
    if w.ndim != 2 or w.shape[1] != d:
        raise ArgumentError(1, f"weight must be m×d with d = {d}, got shape {w.shape}")
    m = w.shape[0]
    bias_array = None if bias is None else np.ascontiguousarray(np.asarray(bias, dtype=np.float32).reshape(-1))
    if bias_array is not None and bias_array.shape[0] != m:
        raise ArgumentError(1, f"bias has {bias_array.shape[0]} entries for m = {m}")
    lens = _lengths(lengths, b)
    out = np.empty(b, dtype=np.float64)
    grad_states = np.empty((b, length, d), dtype=np.float64) if gradient else None
    grad_weight = np.empty((m, d), dtype=np.float64) if gradient else None
    grad_bias = np.empty(m, dtype=np.float64) if gradient else None
    status = _native.Status()
    options = _options(variant, population, delta, padded_length, window)
    code = _native.lib.koopscope_dsd_states(_pointer(x), code, b, length, d, _pointer(lens), _pointer(w),
                                            _pointer(bias_array), m, ctypes.byref(options), _pointer(out),
                                            _pointer(grad_states), _pointer(grad_weight), _pointer(grad_bias),
                                            ctypes.byref(status))
    _native.check(code, status)
    value = float(out[0]) if single else out
    if not gradient:
        return value
    return value, (grad_states[0] if single else grad_states), grad_weight, grad_bias


def dsd_features(features: np.ndarray, lengths: Optional[ArrayLike] = None, variant: str = "paper",
                 population: bool = False, delta: float = 1e-3, window: int = 0, gradient: bool = False) -> Any:
    """DSD of already-lifted features (T×m or B×L×m, float64), with ∂DSD/∂features when
    `gradient`: dsd, or (dsd, grad)."""
    g, _, b, length, m, single = _batch(features, "features", dtypes={np.dtype(np.float64): _native.FLOAT64})
    lens = _lengths(lengths, b)
    out = np.empty(b, dtype=np.float64)
    grad = np.empty((b, length, m), dtype=np.float64) if gradient else None
    status = _native.Status()
    options = _options(variant, population, delta, 0, window)
    code = _native.lib.koopscope_dsd_features(_pointer(g), b, length, m, _pointer(lens), ctypes.byref(options),
                                              _pointer(out), _pointer(grad), ctypes.byref(status))
    _native.check(code, status)
    value = float(out[0]) if single else out
    if not gradient:
        return value
    return value, (grad[0] if single else grad)


def _options_json(options):
    unknown = [k for k, v in options.items() if v is None]
    for k in unknown:
        del options[k]
    return json.dumps(options).encode()


def analyze(states_or_path: Union[str, os.PathLike, np.ndarray], lengths: Optional[ArrayLike] = None,
            bfloat16: bool = False, **options: Any) -> dict:
    """The analysis `koopscope analyze --format json` writes, as a dict with the same keys and
    numbers: of a dump file (a path) or of states in memory (T×d or B×L×d with `lengths`).
    Options are the analyze settings (settings("analyze") lists their bounds and help), defaults
    in brackets: dictionary [none], identity [False], rank [optimal], koopman_dim [50],
    seed [42], ridge [0.001], pinv [False], rcond [1e-12], residual_threshold [0.5],
    population_variance [False], effective_rank [False], batch_size [64], shard [none] ("K/N",
    files only), layer [none] (a layer of a dump with /layers, files only).
    A value out of bounds, or settings that exclude each other, raise ArgumentError."""
    return json.loads(analyze_text(states_or_path, lengths, bfloat16, **options))


def analyze_text(states_or_path: Union[str, os.PathLike, np.ndarray], lengths: Optional[ArrayLike] = None,
                 bfloat16: bool = False, **options: Any) -> str:
    """analyze's report as the JSON text the CLI writes (what merge takes)."""
    status = _native.Status()
    report = ctypes.c_void_p()
    text = _options_json(dict(options))
    if isinstance(states_or_path, (str, bytes, os.PathLike)):
        path = os.fsencode(states_or_path)
        code = _native.lib.koopscope_analyze_file(path, text, ctypes.byref(report), ctypes.byref(status))
    else:
        x, dtype, b, length, d, _ = _batch(states_or_path, "states", bfloat16=bfloat16)
        lens = _lengths(lengths, b)
        code = _native.lib.koopscope_analyze_states(_pointer(x), dtype, b, length, d, _pointer(lens), text,
                                                    ctypes.byref(report), ctypes.byref(status))
    _native.check(code, status)
    return _native.take_string(report.value)


def compare(a: Union[str, dict], b: Union[str, dict], names: Sequence[str] = ("A", "B")) -> dict:
    """Two analyses of the same prompts (dicts as analyze returns, or their JSON texts) compared
    as `koopscope compare` does: per-pair and pooled Wasserstein-1 distances between the spectra
    ("pairs", "pooled", "distance") and B's DSD against A's ("dsd": mean difference, bootstrap
    interval, paired t and Wilcoxon tests). Other prompts or settings raise ArgumentError."""
    texts = [x if isinstance(x, str) else json.dumps(x) for x in (a, b)]
    if len(names) != 2:
        raise ArgumentError(1, f"{len(names)} names for two analyses")
    status = _native.Status()
    report = ctypes.c_void_p()
    code = _native.lib.koopscope_compare(texts[0].encode(), texts[1].encode(), str(names[0]).encode(),
                                         str(names[1]).encode(), ctypes.byref(report), ctypes.byref(status))
    _native.check(code, status)
    return json.loads(_native.take_string(report.value))


def merge(parts: Sequence[str], names: Optional[Sequence[str]] = None) -> dict:
    """Combines the JSON texts of a sharded analysis (analyze_text(path, shard="K/N") for K = 1…N,
    in any order) into the report of one unsharded run, as `koopscope merge` does: a dict."""
    texts = [p if isinstance(p, str) else json.dumps(p) for p in parts]
    labels = names or [f"part {k + 1}" for k in range(len(texts))]
    if len(labels) != len(texts):
        raise ArgumentError(1, f"{len(labels)} names for {len(texts)} parts")
    array = (ctypes.c_char_p * max(len(texts), 1))(*[t.encode() for t in texts])
    label_array = (ctypes.c_char_p * max(len(labels), 1))(*[str(n).encode() for n in labels])
    status = _native.Status()
    report = ctypes.c_void_p()
    code = _native.lib.koopscope_merge(array, label_array, len(texts), ctypes.byref(report), ctypes.byref(status))
    _native.check(code, status)
    return json.loads(_native.take_string(report.value))


def fit_dictionary(states: np.ndarray, m: int = 50, lengths: Optional[ArrayLike] = None, bias: bool = False,
                   bfloat16: bool = False, **options: Any) -> tuple:
    """Fits a sigmoid dictionary of m features (ResKoopNet) to the trajectories: (W m×d float32,
    b or None, report dict of losses and diagnostics). Options are `koopscope fit-dictionary`'s
    settings (settings("fit_dictionary") lists their bounds and help), defaults in brackets:
    variant [paper], koopman_dim [50] (here m), bias [False], batch [64], epochs [1],
    steps [none], lr [none: the variant's], max_positions [512], seed [42], holdout [0.0],
    init [none], condition_penalty [0.0]."""
    x, dtype, b, length, d, _ = _batch(states, "states", bfloat16=bfloat16)
    lens = _lengths(lengths, b)
    m = _within(m, "m", "koopman_dim")
    weight = np.empty((m, d), dtype=np.float32)
    bias_out = np.empty(m, dtype=np.float32) if bias else None
    status = _native.Status()
    report = ctypes.c_void_p()
    text = _options_json(dict(options, bias=bool(bias)))
    code = _native.lib.koopscope_fit_dictionary(_pointer(x), dtype, b, length, d, _pointer(lens), m, text,
                                                _pointer(weight), _pointer(bias_out), ctypes.byref(report),
                                                ctypes.byref(status))
    _native.check(code, status)
    return weight, bias_out, json.loads(_native.take_string(report.value))


def inspect(path: Union[str, os.PathLike], structure_only: bool = False) -> dict:
    """What `koopscope inspect --format json` says of a dump, as a dict: layout, trajectories,
    dimension, element types, length statistics, optional datasets, attributes and (unless
    structure_only) the non-finite state values."""
    status = _native.Status()
    report = ctypes.c_void_p()
    _native.check(_native.lib.koopscope_inspect(os.fsencode(path), 1 if structure_only else 0, ctypes.byref(report),
                                                ctypes.byref(status)), status)
    return json.loads(_native.take_string(report.value))


def read_dump(path: Union[str, os.PathLike]) -> tuple:
    """A dump's hidden states as float32 (N×L×d, rows past each length zero) and its lengths (N)."""
    status = _native.Status()
    handle = ctypes.c_void_p()
    _native.check(_native.lib.koopscope_dump_open(os.fsencode(path), ctypes.byref(handle), ctypes.byref(status)),
                  status)
    try:
        n, length, d = ctypes.c_int64(), ctypes.c_int64(), ctypes.c_int64()
        _native.check(_native.lib.koopscope_dump_shape(handle, ctypes.byref(n), ctypes.byref(length),
                                                       ctypes.byref(d), ctypes.byref(status)), status)
        lengths = np.empty(n.value, dtype=np.int64)
        _native.check(_native.lib.koopscope_dump_lengths(handle, _pointer(lengths), ctypes.byref(status)), status)
        states = np.empty((n.value, length.value, d.value), dtype=np.float32)
        _native.check(_native.lib.koopscope_dump_read(handle, 0, n.value, _pointer(states), ctypes.byref(status)),
                      status)
        return states, lengths
    finally:
        _native.lib.koopscope_dump_close(handle)


def __getattr__(name):
    # koopscope.torch and koopscope.ray import torch and Ray, which a numpy user may not have:
    # they load on first use as attributes, as `import koopscope.torch` would.
    if name in ("torch", "ray"):
        import importlib
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'koopscope' has no attribute {name!r}")
