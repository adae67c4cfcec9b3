"""Turn a saved model listing into a catalogue diff, for maintainers.

Usage::

    python -m langchain_qwen models --region singapore --live --save
    python scripts/catalog_diff.py ~/.cache/langchain-qwen/models-singapore.json

The file is one written by `--save` (it names its region), or the raw JSON body
of `GET /compatible-mode/v1/models` (then pass `--region`). The report lists the
listed ids the catalogue does not know (with what the unknown-name policy would
do with each), the catalogue's aliases of that region the listing lacks, and
retired models the listing still has. Exit code 1 when there is a difference.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from langchain_qwen.catalogue import catalog, listed, saved_listings
from langchain_qwen.catalogue import names as _names
from langchain_qwen.regions import canonical_region


def diff(ids: Sequence[str], region: str) -> dict[str, list[str]]:
    """Compare listed ids with the catalogue of a region.

    Args:
        ids: The listed ids.
        region: A canonical region name.

    Returns:
        `unknown` (ids not in the catalogue, each with the policy's verdict),
        `missing` (catalogue aliases of the region not listed, retired ones
        left out) and `retired` (listed ids the catalogue says are retired).
    """
    listing = listed.Listing(region, "", "", listed.describe(ids, region))
    names = list(catalog.list_models())
    grammar = catalog._grammar()
    unknown = []
    for model in listing.models:
        if model.known:
            continue
        why = _names.problem(model.id, grammar, names)
        verdict = f"refused: {why}" if why else "accepted with a warning"
        unknown.append(f"{model.id}  ({verdict})")
    retired = [m.id for m in listing.models if m.status == "retired"]
    return {"unknown": unknown, "missing": listing.missing(), "retired": retired}


def main(argv: Sequence[str] | None = None) -> int:
    """Print the diff of one saved listing.

    Args:
        argv: The arguments; `sys.argv[1:]` when `None`.

    Returns:
        0 when the listing and the catalogue agree, 1 otherwise, 2 on bad input.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("listing", type=Path, help="a saved listing (JSON)")
    parser.add_argument("--region", help="the region, for a raw /models answer")
    args = parser.parse_args(argv)
    try:
        saved_region, fetched, ids = saved_listings.read_listing(args.listing)
        region_name = args.region or saved_region
        if region_name is None:
            raise ValueError("the file does not name its region: pass --region")
        region = canonical_region(region_name)
    except (OSError, ValueError) as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    report = diff(ids, region)
    when = f" fetched {fetched}" if fetched else ""
    out = sys.stdout
    out.write(
        f"# Listing of {region}{when}: {len(ids)} ids; catalogue data of "
        f"{catalog.data_date()}\n"
    )
    titles = {
        "unknown": "Listed, not in the catalogue",
        "missing": "In the catalogue for this region, not listed",
        "retired": "Listed, but retired in the catalogue",
    }
    for key, title in titles.items():
        out.write(f"\n## {title} ({len(report[key])})\n")
        for line in report[key]:
            out.write(f"- {line}\n")
    return 1 if any(report.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
