"""Check a built wheel and sdist hold what a user needs.

Usage: `python scripts/check_dist.py [DIST_DIR]` (default `dist/`), after
`python -m build`. Checked: one wheel and one sdist of the version in
`langchain_qwen/_version.py`; every module, data file (`data/*.json`, each
valid JSON) and `py.typed` of the source tree in both, the `testing` package
included; nothing but the package in the wheel; the `agents` extra in the
metadata. Prints each problem and exits 1 if there is any.
"""

from __future__ import annotations

import json
import re
import sys
import tarfile
import zipfile
from email.parser import Parser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "langchain_qwen"
EXTRAS = {"agents": ("langchain", "langgraph")}


def expected_files() -> set[str]:
    """The package files of the source tree, as paths inside a wheel."""
    return {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / PACKAGE).rglob("*")
        if path.is_file()
        and "__pycache__" not in path.parts
        and path.suffix not in (".pyc", ".pyo")
    }


def version() -> str:
    """The version `_version.py` declares."""
    text = (ROOT / PACKAGE / "_version.py").read_text(encoding="utf-8")
    found = re.search(r"__version__\s*=\s*['\"]([^'\"]+)['\"]", text)
    if found is None:
        msg = "no __version__ in _version.py"
        raise SystemExit(msg)
    return found.group(1)


def check_wheel(path: Path, expected: set[str]) -> list[str]:
    """Problems with the wheel at `path`."""
    problems: list[str] = []
    with zipfile.ZipFile(path) as wheel:
        names = set(wheel.namelist())
        dist_info = {n for n in names if n.split("/")[0].endswith(".dist-info")}
        package = names - dist_info
        problems += [f"wheel lacks {n}" for n in sorted(expected - package)]
        problems += [f"wheel has stray {n}" for n in sorted(package - expected)]
        for name in sorted(n for n in package if n.endswith(".json")):
            try:
                json.loads(wheel.read(name))
            except ValueError as exc:
                problems.append(f"wheel's {name} is not valid JSON: {exc}")
        metadata = next((n for n in dist_info if n.endswith("/METADATA")), None)
        if metadata is None:
            return [*problems, "wheel has no METADATA"]
        problems += check_metadata(wheel.read(metadata).decode("utf-8"))
    return problems


def check_metadata(text: str) -> list[str]:
    """Problems with the core metadata: the extras and their requirements."""
    message = Parser().parsestr(text)
    problems: list[str] = []
    extras = set(message.get_all("Provides-Extra") or [])
    requires = message.get_all("Requires-Dist") or []
    for extra, packages in EXTRAS.items():
        if extra not in extras:
            problems.append(f"metadata lacks the {extra!r} extra")
            continue
        for package in packages:
            if not any(
                re.match(rf"{package}\b", r)
                and f"extra == '{extra}'" in r.replace('"', "'")
                for r in requires
            ):
                problems.append(f"the {extra!r} extra does not bring {package}")
    return problems


def check_sdist(path: Path, expected: set[str], top: str) -> list[str]:
    """Problems with the sdist at `path` (files under `top/`)."""
    with tarfile.open(path) as sdist:
        names = {
            name.removeprefix(f"{top}/") for name in sdist.getnames() if "/" in name
        }
    needed = expected | {"pyproject.toml", "README.md"}
    return [f"sdist lacks {n}" for n in sorted(needed - names)]


def main(argv: list[str]) -> int:
    """Check the dist directory; print the problems; 0 when there are none."""
    dist = Path(argv[1]) if len(argv) > 1 else ROOT / "dist"
    v = version()
    wheels = sorted(dist.glob(f"{PACKAGE}-{v}-*.whl"))
    sdists = sorted(dist.glob(f"{PACKAGE}-{v}.tar.gz"))
    problems: list[str] = []
    if len(wheels) != 1 or len(sdists) != 1:
        problems.append(
            f"expected one wheel and one sdist of {v} in {dist}, found "
            f"{[p.name for p in wheels + sdists]}"
        )
    expected = expected_files()
    if not any(
        n.startswith(f"{PACKAGE}/data/") and n.endswith(".json") for n in expected
    ):
        problems.append("the source tree has no data/*.json: run from a checkout")
    for wheel in wheels:
        problems += check_wheel(wheel, expected)
    for sdist in sdists:
        problems += check_sdist(sdist, expected, f"{PACKAGE}-{v}")
    for problem in problems:
        print(f"check_dist: {problem}")
    if not problems:
        print(
            f"check_dist: {', '.join(p.name for p in wheels + sdists)} hold "
            f"{len(expected)} package files, py.typed, data and the agents extra"
        )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
