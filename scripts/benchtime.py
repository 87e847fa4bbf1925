"""Timing shared by the benchmark scripts."""

import time


def best(repeats, body):
    """The shortest of `repeats` wall-clock times of body(), in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        body()
        times.append(time.perf_counter() - start)
    return min(times)
