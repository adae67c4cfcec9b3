"""The house check: import circles, imports that climb a layer, the longest modules.

    python scripts/house.py            # from the repository's root

Reads every module of `langchain_qwen` with `ast` (nothing is imported). An
import inside a function counts; one under `if TYPE_CHECKING:` does not. Prints
each circle, each import that goes up the layers of CONTRIBUTING.md, and every
module over the line budget, then a summary line. Exit status 1 if any.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "langchain_qwen"
BUDGET = 650
# The layers, lowest first: a module may import its own layer and those below.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("_version", "data"),
    ("errors",),
    ("regions",),
    ("catalogue",),
    ("_dashscope",),
    ("_chat",),
    ("chat_models", "embeddings", "rerank", "caching"),
    ("batch",),
    ("", "__main__"),  # "" is the package's own __init__
)
# testing/ answers like DashScope without sending requests: it may import only these.
TESTING_MAY_IMPORT = frozenset({"_version", "data", "errors", "regions", "catalogue"})


def module_name(path: Path) -> str:
    """The dotted name of a file under the package, without the package prefix."""
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(
    tree: ast.AST, here: str, is_package: bool
) -> Iterator[tuple[str, list[str]]]:
    """Every import of `tree`: the module named, and the names taken from it."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                yield from _imports(
                    ast.Module(body=[child], type_ignores=[]), here, is_package
                )
            continue
        if isinstance(node, ast.Import):
            yield from ((alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here.split(".") if is_package else here.split(".")[:-1]
                base = base[: len(base) - node.level + 1]
                source = ".".join([*base, node.module or ""]).strip(".")
                source = f"langchain_qwen.{source}".rstrip(".")
            else:
                source = node.module or ""
            yield source, [alias.name for alias in node.names]
        yield from _imports(node, here, is_package)


def graph() -> tuple[dict[str, set[str]], dict[str, int]]:
    """The import graph of the package's modules, and each module's length."""
    files = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)
    names = {module_name(p): p for p in files}
    edges: dict[str, set[str]] = {}
    for name, path in names.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found = set()
        for target, taken in _imports(tree, name, path.name == "__init__.py"):
            if target != "langchain_qwen" and not target.startswith("langchain_qwen."):
                continue
            dotted = target.removeprefix("langchain_qwen").removeprefix(".")
            # `from pkg import module` depends on that module; `from pkg import
            # name` on the package (its parent packages are not counted).
            subs = [f"{dotted}.{t}".lstrip(".") for t in taken]
            found.update(s for s in subs if s in names)
            if not taken or any(s not in names for s in subs):
                found.add(dotted)
        found.discard(name)
        edges[name] = found
    lengths = {
        n: len(p.read_text(encoding="utf-8").splitlines()) for n, p in names.items()
    }
    return edges, lengths


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        order[v] = low[v] = len(order)
        stack.append(v)
        for w in edges[v]:
            if w not in order:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], order[w])
        if low[v] == order[v]:
            group = []
            while (w := stack.pop()) != v:
                group.append(w)
            group.append(v)
            if len(group) > 1:
                found.append(sorted(group))

    sys.setrecursionlimit(10_000)
    for v in edges:
        if v not in order:
            visit(v)
    return found


def layer(name: str) -> int | None:
    """The layer of a module (`None` for testing/, which has its own rule)."""
    top = name.split(".", maxsplit=1)[0]
    if top == "testing":
        return None
    for rank, members in enumerate(LAYERS):
        if top in members:
            return rank
    return len(LAYERS)  # unknown: treat as the top, so importing it is flagged


def climbs(edges: dict[str, set[str]]) -> list[str]:
    """Imports that go up a layer (or out of testing/'s allowance)."""
    out = []
    for source, targets in sorted(edges.items()):
        for target in sorted(targets):
            rank = layer(source)
            top = target.split(".")[0]
            if rank is None:
                bad = top != "testing" and top not in TESTING_MAY_IMPORT
            else:
                bad = top == "testing" or (layer(target) or 0) > rank
            if bad:
                out.append(f"{source or '__init__'} -> {target or '__init__'}")
    return out


def main() -> int:
    """Print the report; exit 1 on a circle, a climb or a module over budget."""
    edges, lengths = graph()
    found = circles(edges)
    up = climbs(edges)
    for group in found:
        print("import circle:", " <-> ".join(g or "__init__" for g in group))
    for line in up:
        print("climbs a layer:", line)
    long = sorted(lengths.items(), key=lambda item: -item[1])
    for name, n in long:
        if n > BUDGET:
            print(f"over {BUDGET} lines: {name} ({n})")
    top = sorted(p.name for p in PACKAGE.iterdir() if p.name != "__pycache__")
    name, n = long[0]
    print(
        f"{len(found)} import circles, {len(up)} imports that climb; longest module "
        f"{name} ({n} lines); {len(lengths)} modules; {len(top)} entries at the top"
    )
    return 1 if found or up or n > BUDGET else 0


if __name__ == "__main__":
    sys.exit(main())
