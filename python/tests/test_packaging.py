"""One version number everywhere, the package marked as typed, and the extras that exist."""
import importlib.metadata
import subprocess
from pathlib import Path

import koopscope
from conftest import ROOT


def test_one_version_number():
    swift = (ROOT / "Sources" / "KoopScope" / "Support" / "Version.swift").read_text()
    assert f'koopscopeVersion = "{koopscope.__version__}"' in swift
    assert importlib.metadata.version("koopscope") == koopscope.__version__
    for build in ("debug", "release"):
        cli = ROOT / ".build" / build / "koopscope"
        if cli.exists():
            out = subprocess.run([str(cli), "--version"], capture_output=True, text=True, check=True).stdout
            assert out.strip() == koopscope.__version__


def test_typed_with_its_extras():
    assert (Path(koopscope.__file__).parent / "py.typed").exists()
    extras = importlib.metadata.metadata("koopscope").get_all("Provides-Extra")
    assert {"torch", "trl", "ray"} <= set(extras)


def test_a_missing_optional_dependency_names_its_extra(tmp_path):
    import sys
    for module, package in [("koopscope.torch", "torch"), ("koopscope.ray", "ray")]:
        blocker = tmp_path / package / f"{package}.py"
        blocker.parent.mkdir()
        blocker.write_text(f"raise ImportError('no {package} here', name='{package}')\n")
        out = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True,
                             env={"PYTHONPATH": str(blocker.parent), "PATH": "/usr/bin:/bin"})
        assert out.returncode != 0
        assert f"pip install 'koopscope[{package}]'" in out.stderr and f"{package} is missing" in out.stderr


def test_a_glibc_older_than_the_wheels_is_named():
    from koopscope import _native
    message = ("/x/libswiftCore-1a2b3c4d.so: version `GLIBC_2.38' not found "
               "(required by /venv/koopscope/_lib/libKoopScopeC.so)")
    text = _native._load_failure("/venv/koopscope/_lib/libKoopScopeC.so", message)
    assert "needs glibc 2.38 or newer" in text and "this machine has glibc" in text and "manylinux" in text
