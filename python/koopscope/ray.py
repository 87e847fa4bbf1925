"""Sharded analysis on Ray: each dump is cut into shards, every shard analysed by a Ray task on
whichever node is free, and the parts merged into the report `koopscope merge` writes — the
numbers of one unsharded `koopscope analyze`, summaries included.

    import ray, koopscope.ray
    ray.init()                                            # or ray.init(address="auto") on a cluster
    [report] = koopscope.ray.analyze(["/shared/rollouts.h5"], shards=64, identity=True, rank=50)

Every node needs the koopscope package and read access to the dumps (a shared file system).
"""

from __future__ import annotations

import os
from typing import Any, Optional, Sequence, Union

try:
    import ray as _ray
except ImportError as error:  # pragma: no cover - the message is what is tested
    raise ImportError("koopscope.ray needs Ray (ray is missing): pip install 'koopscope[ray]'") from error

from . import analyze_text as _analyze_text
from . import merge as _merge
from ._native import ArgumentError

__all__ = ["analyze"]


@_ray.remote
def _analyze_shard(path, shard, options):
    return _analyze_text(path, shard=shard, **options)


def analyze(paths: Sequence[Union[str, os.PathLike]], shards: Optional[int] = None, num_cpus_per_task: float = 1,
            **options: Any) -> list:
    """One merged report (a dict, as `koopscope analyze --format json` writes) per dump of
    `paths`, in order, each from `shards` Ray tasks (default: the cluster's CPUs). Options are
    koopscope.analyze's (dictionary, identity, rank, …). A failed shard raises its error."""
    if isinstance(paths, (str, bytes, os.PathLike)):
        paths = [paths]
    if not _ray.is_initialized():
        raise ArgumentError(1, "koopscope.ray.analyze: call ray.init() first")
    if "shard" in options:
        raise ArgumentError(1, "koopscope.ray.analyze shards the dumps itself; leave out shard")
    n = int(shards or max(1, int(_ray.cluster_resources().get("CPU", 1))))
    if n < 1:
        raise ArgumentError(1, f"shards is {n}; it must be ≥ 1")
    task = _analyze_shard.options(num_cpus=num_cpus_per_task)
    futures = [[task.remote(os.fspath(p), f"{k}/{n}", options) for k in range(1, n + 1)] for p in paths]
    reports = []
    for path, parts in zip(paths, futures):
        texts = _ray.get(parts)
        reports.append(_merge(texts, names=[f"{os.fspath(path)} shard {k}/{n}" for k in range(1, n + 1)]))
    return reports
