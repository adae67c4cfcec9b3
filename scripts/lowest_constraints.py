"""Print pip constraints that pin each runtime dependency to its lowest allowed version.

CI installs the package with these (`pip install -c`) in a venv of its own, so the
suites run at both ends of what `pyproject.toml` allows: the newest versions pip
resolves, and the oldest. Reads `[project] dependencies` only (no TOML library:
Python 3.10 has none); every entry must have a `>=` lower bound.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

_BLOCK = re.compile(r"^dependencies = \[(.*?)^\]", re.MULTILINE | re.DOTALL)
_ENTRY = re.compile(r'^\s*"([A-Za-z0-9_.-]+)[^"]*?>=\s*([0-9][^,"]*)', re.MULTILINE)


def lowest(pyproject: str) -> list[str]:
    """The `name==lower-bound` pins for the dependencies in `pyproject`'s text."""
    block = _BLOCK.search(pyproject)
    if block is None:
        raise SystemExit("pyproject.toml has no [project] dependencies list")
    names = re.findall(r'^\s*"([A-Za-z0-9_.-]+)', block.group(1), re.MULTILINE)
    found = _ENTRY.findall(block.group(1))
    pins = [f"{name}=={version.strip()}" for name, version in found]
    if len(pins) != len(names):
        raise SystemExit(f"every dependency needs a >= lower bound: {names}")
    return pins


def main() -> int:
    """Print the pins, one a line, for `pip install -c`."""
    text = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text()
    sys.stdout.write("".join(f"{pin}\n" for pin in lowest(text)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
