"""The built wheel and sdist hold the package, its data and the `agents` extra.

Builds offline (`python -m build --no-isolation`, with `build` and `hatchling`
from the test extra) and runs `scripts/check_dist.py` on the result, then on
a wheel with its catalogue taken out, which it must refuse.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("build") is None
    or importlib.util.find_spec("hatchling") is None,
    reason="needs `build` and `hatchling` (pip install -e '.[test]')",
)


def _check(dist: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "check_dist.py"), str(dist)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_built_dist_is_complete_and_a_broken_one_is_refused(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    built = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    ok = _check(dist)
    assert ok.returncode == 0, ok.stdout
    assert "py.typed, data and the agents extra" in ok.stdout

    (wheel,) = dist.glob("*.whl")
    with zipfile.ZipFile(wheel) as src:
        items = [(i, src.read(i)) for i in src.infolist()]
    with zipfile.ZipFile(wheel, "w") as dst:
        for info, data in items:
            if not info.filename.endswith(("data/models.json", "py.typed")):
                dst.writestr(info, data)
    broken = _check(dist)
    assert broken.returncode == 1
    assert "wheel lacks langchain_qwen/data/models.json" in broken.stdout
    assert "wheel lacks langchain_qwen/py.typed" in broken.stdout
