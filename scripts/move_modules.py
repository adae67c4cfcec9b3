"""Move modules of `langchain_qwen` and rewrite every reference to them (issue 18).

    python scripts/move_modules.py MAP.json [--move] PATH...

MAP.json maps old module names to new ones, relative to the package
(`{"_transport": "_chat.transport"}`). Without `--move` only references are
rewritten (run it on a branch that still uses the old names to port it); with
`--move` the files are also moved with `git mv`. References rewritten in every
`.py`, `.md`, `.toml`, `.txt` and `.sh` file under PATH:

- `langchain_qwen.old` (imports, monkeypatch strings, docs) -> `langchain_qwen.new`;
- `from langchain_qwen import old [as x]` -> `from langchain_qwen.pkg import new as x`
  (the local name stays, so the code that uses it does not change);
- `langchain_qwen/old.py` (paths in docs) -> `langchain_qwen/new.py`.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

PACKAGE = "langchain_qwen"
SUFFIXES = {".py", ".md", ".toml", ".txt", ".sh", ".cfg"}
_FROM = re.compile(
    rf"^(?P<indent>[ \t]*)from {PACKAGE} import (?P<names>\([^)]*\)|[^\n#]+?)"
    r"(?P<comment>[ \t]*#[^\n]*)?$",
    re.MULTILINE,
)


def _split_names(text: str) -> list[tuple[str, str | None]]:
    text = text.strip().removeprefix("(").removesuffix(")")
    text = re.sub(r"#[^\n]*", "", text)
    out: list[tuple[str, str | None]] = []
    for part in text.split(","):
        words = part.split()
        if not words:
            continue
        out.append((words[0], words[2] if len(words) == 3 else None))
    return out


def _rewrite_from(match: re.Match[str], moves: dict[str, str]) -> str:
    names = _split_names(match["names"])
    if not any(name in moves for name, _ in names):
        return match[0]
    indent, comment = match["indent"], match["comment"] or ""
    kept = [(n, a) for n, a in names if n not in moves]
    lines: list[str] = []
    if kept:
        listed = ", ".join(n if a is None else f"{n} as {a}" for n, a in kept)
        lines.append(f"{indent}from {PACKAGE} import {listed}")
    for name, alias in names:
        if name not in moves:
            continue
        pkg, _, base = moves[name].rpartition(".")
        local = alias or name
        source = f"{PACKAGE}.{pkg}" if pkg else PACKAGE
        tail = "" if base == local else f" as {local}"
        lines.append(f"{indent}from {source} import {base}{tail}")
    lines[-1] += comment
    return "\n".join(lines)


def rewrite(text: str, moves: dict[str, str]) -> str:
    """Return `text` with every reference to a moved module rewritten."""
    text = _FROM.sub(lambda m: _rewrite_from(m, moves), text)
    for old in sorted(moves, key=len, reverse=True):
        new = moves[old]
        text = re.sub(
            rf"\b{PACKAGE}\.{re.escape(old)}\b(?![A-Za-z0-9_])",
            f"{PACKAGE}.{new}",
            text,
        )
        text = re.sub(
            rf"\b{PACKAGE}/{re.escape(old)}\.py\b",
            f"{PACKAGE}/{new.replace('.', '/')}.py",
            text,
        )
    return text


def main(argv: list[str]) -> int:
    """Run the rewrite (and the move) as the module docstring says."""
    moves: dict[str, str] = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    move = "--move" in argv
    roots = [Path(a) for a in argv[1:] if a != "--move"]
    if move:
        for old, new in moves.items():
            src = Path(PACKAGE, *old.split(".")).with_suffix(".py")
            dst = Path(PACKAGE, *new.split(".")).with_suffix(".py")
            dst.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run(["git", "mv", str(src), str(dst)], check=True)  # noqa: S603,S607
    for root in roots:
        files = [root] if root.is_file() else sorted(root.rglob("*"))
        for path in files:
            if (
                path.suffix not in SUFFIXES
                or ".venv" in path.parts
                or not path.is_file()
            ):
                continue
            old_text = path.read_text(encoding="utf-8")
            new_text = rewrite(old_text, moves)
            if new_text != old_text:
                path.write_text(new_text, encoding="utf-8")
                print(f"rewrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
