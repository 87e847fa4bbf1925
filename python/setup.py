"""Builds koopscope's C library with SwiftPM and ships it, with the Swift runtime libraries it
needs, inside the package: a dynamic library product cannot link the Swift standard library
statically on Linux, and a machine without the toolchain has none of them."""

import os
import re
import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

try:
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:  # setuptools before 70
    from wheel.bdist_wheel import bdist_wheel

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = "libKoopScopeC.so"


def version():
    """The one version number: the Swift package's (`koopscopeVersion`), which the command line's
    --version and the C library's koopscope_version() also give."""
    source = (ROOT / "Sources" / "KoopScope" / "Support" / "Version.swift").read_text()
    return re.search(r'koopscopeVersion = "([^"]+)"', source).group(1)


def swift_runtime_dependencies(library):
    """The shared libraries `library` loads that come from the Swift toolchain, transitively
    (lib_FoundationICU.so, for one, is needed only by Foundation)."""
    out = subprocess.run(["ldd", str(library)], check=True, capture_output=True, text=True).stdout
    found = []
    for line in out.splitlines():
        parts = line.split("=>")
        if len(parts) != 2:
            continue
        path = parts[1].strip().split(" (")[0].strip()
        if "/swift/" in path and os.path.exists(path):
            found.append(path)
    return sorted(set(found))


class BuildWithSwift(build_py):
    def run(self):
        if not (ROOT / "Package.swift").exists():
            raise SystemExit(f"koopscope: {ROOT} holds no Package.swift; install from a koopscope checkout")
        configuration = os.environ.get("KOOPSCOPE_SWIFT_CONFIGURATION", "release")
        print(f"koopscope: swift build -c {configuration} --product KoopScopeC (in {ROOT})", flush=True)
        subprocess.run(["swift", "build", "-c", configuration, "-Xcc", "-O2", "--product", "KoopScopeC"],
                       cwd=ROOT, check=True)
        bin_path = subprocess.run(["swift", "build", "-c", configuration, "--show-bin-path"], cwd=ROOT,
                                  check=True, capture_output=True, text=True).stdout.strip()
        library = Path(bin_path) / LIBRARY
        package_lib = Path(__file__).resolve().parent / "koopscope" / "_lib"
        shutil.rmtree(package_lib, ignore_errors=True)
        package_lib.mkdir(parents=True)
        shutil.copy2(library, package_lib / LIBRARY)
        # The library's run path ends in $ORIGIN: the runtime copied beside it is found wherever
        # the package is installed, the toolchain's first where there is one. scripts/build-dist
        # copies nothing: auditwheel then carries every library the wheel needs, the runtime included.
        if os.environ.get("KOOPSCOPE_WHEEL_RUNTIME", "copy") == "copy":
            for dependency in swift_runtime_dependencies(library):
                shutil.copy2(dependency, package_lib / os.path.basename(dependency))
        shutil.copy2(ROOT / "Sources" / "_KoopScopeABI" / "include" / "koopscope.h",
                     Path(__file__).resolve().parent / "koopscope" / "koopscope.h")
        super().run()


class PlatformWheel(bdist_wheel):
    """Tagged py3-none-PLATFORM: the native library is loaded with ctypes, so one wheel serves
    every Python 3 on the platform."""

    def get_tag(self):
        _, _, platform = super().get_tag()
        return "py3", "none", platform


class BinaryDistribution(Distribution):
    """A wheel for this platform: it carries a native library."""

    def has_ext_modules(self):
        return True


setup(version=version(), cmdclass={"build_py": BuildWithSwift, "bdist_wheel": PlatformWheel}, distclass=BinaryDistribution)
