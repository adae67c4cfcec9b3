"""Command line: `python -m langchain_qwen models [--region R] [--live] [--save]`.

Without `--live`, prints the catalogue's models for the region. With `--live`,
asks the endpoint's `GET /models` with your key (`DASHSCOPE_API_KEY`) and
prints each listed id with what the catalogue knows about it, then the
catalogue's models the listing lacks; `--save` keeps the listing in the cache
directory so that validation trusts it when `DASHSCOPE_MODEL_CACHE=1`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TextIO

from langchain_qwen._dashscope import model_list
from langchain_qwen.catalogue import catalog, saved_listings
from langchain_qwen.errors import QwenError
from langchain_qwen.regions import DEFAULT_REGION, canonical_region


def _thinking(info: catalog.ModelInfo) -> str:
    text = {
        "none": "no",
        "optional_off": "optional (off)",
        "optional_on": "optional (on)",
        "always": "always",
    }[info.thinking]
    if info.reasoning_effort_levels:
        text += f", effort {'/'.join(info.reasoning_effort_levels)}"
    return text


def _inputs(info: catalog.ModelInfo) -> str:
    return "+".join(info.input_kinds)


def _row(name: str, info: catalog.ModelInfo | None, region: str | None) -> list[str]:
    if info is None:
        return [name, "unknown", "-", "-", "-", "not in the catalogue: checks off"]
    context = f"{info.context_window:,}" if info.context_window else "?"
    notes = []
    if name != info.name:
        notes.append(f"snapshot of {info.name}")
    if region is not None and region not in info.regions:
        notes.append(f"catalogue: not offered in {region}")
    life = info.lifecycle
    if life is not None and info.status(region) != "active":
        notes.append(
            f"{life.status} {life.date}"
            + (f", use {life.successor}" if life.successor else "")
        )
    return [
        name,
        info.status(region),
        _inputs(info),
        _thinking(info),
        context,
        "; ".join(notes),
    ]


def _table(rows: list[list[str]], out: TextIO) -> None:
    header = ["model", "status", "input", "thinking", "context", "notes"]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, ["-" * w for w in widths], *rows]:
        out.write(
            "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
            + "\n"
        )


def _models(args: argparse.Namespace, out: TextIO) -> int:
    region = canonical_region(args.region) if args.region else None
    if not args.live:
        if args.save:
            raise SystemExit("--save needs --live: only a fetched listing is saved.")
        shown = region or DEFAULT_REGION
        names = catalog.list_models(shown)
        out.write(
            f"Catalogue (data of {catalog.data_date()}), region {shown}: "
            f"{len(names)} models\n"
        )
        _table([_row(n, catalog.lookup(n), shown) for n in names], out)
        return 0
    listing = model_list.live_models(
        region=args.region, base_url=args.base_url, workspace_id=args.workspace_id
    )
    known = sum(m.known for m in listing.models)
    out.write(
        f"GET {listing.base_url}/models at {listing.fetched}: "
        f"{len(listing.models)} ids, {known} known to the catalogue "
        f"(data of {catalog.data_date()})\n"
    )
    _table([_row(m.id, m.info, listing.region) for m in listing.models], out)
    missing = listing.missing()
    if missing:
        out.write(
            f"\nIn the catalogue for {listing.region} but not listed: "
            f"{', '.join(missing)}\n"
        )
    if args.save:
        path = saved_listings.save_listing(listing)
        out.write(
            f"\nSaved to {path}. Set {saved_listings.CACHE_ENV}=1 to let ChatQwen "
            "accept the listed ids.\n"
        )
    return 0


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run the command line.

    Args:
        argv: The arguments (without the program name); `sys.argv[1:]` if `None`.
        out: Where to print; standard output if `None`.

    Returns:
        The exit code.
    """
    parser = argparse.ArgumentParser(prog="python -m langchain_qwen")
    commands = parser.add_subparsers(dest="command", required=True)
    models = commands.add_parser(
        "models", help="list the catalogue's models, or the endpoint's live list"
    )
    models.add_argument("--region", help="region name or alias (e.g. singapore, cn)")
    models.add_argument("--live", action="store_true", help="ask GET /models")
    models.add_argument("--save", action="store_true", help="keep the live list")
    models.add_argument("--base-url", help="an explicit OpenAI-compatible base URL")
    models.add_argument("--workspace-id", help="use the workspace-dedicated domain")
    args = parser.parse_args(argv)
    stream = out if out is not None else sys.stdout
    try:
        return _models(args, stream)
    except QwenError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    except ValueError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
