"""The runtime dependencies resolve, from the package index, for every supported Python on Linux,
Windows and macOS (pip's resolver in ``--dry-run`` mode: nothing is installed), so a pin that
shuts a Python or a platform out fails here instead of at a user's ``make run``."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PYTHONS = ("3.11", "3.12", "3.13")
# pip takes a --platform tag literally (it does not widen manylinux_2_28 to older glibc tags), so
# each platform lists the tags a pip on such a machine accepts: glibc 2.28 (Debian 10+, RHEL 8+),
# Windows x64, macOS 14 on Apple silicon (pip widens macOS tags to older releases itself; the
# pinned opencv-contrib-python 4.11 has no wheel for macOS 12 on arm64, its oldest is 13).
PLATFORMS = {
    "linux": ("manylinux_2_28_x86_64", "manylinux_2_27_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64"),
    "windows": ("win_amd64",),
    "macos": ("macosx_14_0_arm64",),
}


def runtime_requirements() -> list[str]:
    """``[project] dependencies`` of pyproject.toml (the runtime ones, no extras)."""
    with open(REPO / "pyproject.toml", "rb") as f:
        return list(tomllib.load(f)["project"]["dependencies"])


def index_url() -> str:
    """The index pip uses here: ``$PIP_INDEX_URL``, else pip's configured one, else PyPI."""
    if os.environ.get("PIP_INDEX_URL"):
        return os.environ["PIP_INDEX_URL"]
    out = subprocess.run([sys.executable, "-m", "pip", "config", "get", "global.index-url"],
                         capture_output=True, text=True, timeout=60)
    return out.stdout.strip() if out.returncode == 0 and out.stdout.strip() else "https://pypi.org/simple"


@pytest.fixture(scope="module")
def reachable_index() -> str:
    url = index_url().rstrip("/") + "/pip/"
    try:
        with urllib.request.urlopen(url, timeout=15):
            pass
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        pytest.skip(f"package index unreachable ({url}: {exc}); resolution not checked")
    return url


def resolve(python: str, platform_tags: tuple[str, ...], requirements: Path, target: Path) -> tuple[int, str]:
    """pip's dry-run resolution of ``requirements`` for ``python`` on ``platform_tags``: (exit code, output)."""
    cmd = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--only-binary=:all:",
           "--no-cache-dir", "--disable-pip-version-check", "--quiet", "--python-version", python,
           "--target", str(target), "-r", str(requirements)]
    for tag in platform_tags:
        cmd += ["--platform", tag]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    return out.returncode, out.stdout + out.stderr


@pytest.mark.slow
def test_runtime_dependencies_resolve_everywhere(reachable_index: str, tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("\n".join(runtime_requirements()) + "\n")
    jobs = [(py, name, tags) for py in PYTHONS for name, tags in PLATFORMS.items()]
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda j: resolve(j[0], j[2], requirements, tmp_path / f"t-{j[0]}-{j[1]}"), jobs))
    failed = [f"Python {py} on {name}:\n{out.strip()[-1500:]}"
              for (py, name, _), (code, out) in zip(jobs, results, strict=True) if code != 0]
    assert not failed, "runtime dependencies do not resolve for:\n\n" + "\n\n".join(failed)


def test_runtime_dependencies_leave_torch_to_the_extras() -> None:
    """The app's CPU path runs without torch (tests/test_no_torch.py), so the runtime install does
    not pull it (a CUDA build of several GB on Linux); training, evaluation and CUDA do."""
    with open(REPO / "pyproject.toml", "rb") as f:
        project = tomllib.load(f)["project"]
    names = {r.split(";")[0].split("[")[0].split("=")[0].split(">")[0].split("<")[0].strip().lower()
             for r in project["dependencies"]}
    assert not names & {"torch", "torchvision"}
    for extra in ("train", "cuda"):
        assert any(r.startswith("torch") for r in project["optional-dependencies"][extra]), extra
