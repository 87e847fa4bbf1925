"""Sharded analysis on a local Ray: the merged report is the unsharded one."""

import pytest

ray = pytest.importorskip("ray")
import koopscope  # noqa: E402
import koopscope.ray  # noqa: E402


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def test_shards_on_ray_merge_into_the_unsharded_report(local_ray, fixtures):
    paths = [fixtures / "linear-padded.h5", fixtures / "linear-ragged-f16.h5"]
    merged = koopscope.ray.analyze(paths, shards=3, identity=True, rank=8)
    for path, report in zip(paths, merged):
        assert report == koopscope.analyze(path, identity=True, rank=8)


def test_merge_refuses_a_missing_or_repeated_shard(fixtures):
    path = fixtures / "linear-padded.h5"
    parts = [koopscope.analyze_text(path, shard=f"{k}/3") for k in (1, 2, 3)]
    assert koopscope.merge(parts[::-1]) == koopscope.analyze(path)
    with pytest.raises(koopscope.ArgumentError, match="shard"):
        koopscope.merge(parts[:2])
    with pytest.raises(koopscope.ArgumentError, match="shard"):
        koopscope.merge([parts[0], parts[0], parts[2]])


def test_a_failed_shard_raises_koopscopes_error(local_ray, tmp_path):
    with pytest.raises(koopscope.FileError, match="no such file"):
        koopscope.ray.analyze([tmp_path / "missing.h5"], shards=2)
