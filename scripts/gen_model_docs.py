"""Write docs/models.md from the catalogue, so the page cannot drift from the data.

Run `python scripts/gen_model_docs.py`; a unit test fails when the page is stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

from langchain_qwen.catalogue import catalog
from langchain_qwen.catalogue.catalog import (
    REGIONS,
    ModelInfo,
    data_date,
    list_models,
    lookup,
)

PAGE = Path(__file__).resolve().parent.parent / "docs" / "models.md"

_THINKING = {
    "none": "no",
    "optional_off": "optional (off)",
    "optional_on": "optional (on)",
    "always": "always",
}


def _yes(flag: bool) -> str:
    return "yes" if flag else ""


def _inputs(info: ModelInfo) -> str:
    return ", ".join(info.input_kinds)


def _snapshots(info: ModelInfo) -> str:
    forms = [
        f
        for f, on in (
            ("-latest", info.latest),
            ("-YYYY-MM-DD", info.dated),
            ("-MMDD", info.legacy),
        )
        if on
    ]
    return " ".join(forms)


def _tokens(n: int | None) -> str:
    return f"{n:,}" if n else "?"


def _status(info: ModelInfo) -> str:
    life = info.lifecycle
    if life is None:
        return "active"
    if life.status == "deprecated":
        return f"deprecated ({life.date})"
    where = ", ".join(r for r in REGIONS if r in life.regions)
    successor = f"; use `{life.successor}`" if life.successor else ""
    return f"retired {life.date} ({where}){successor}"


def _effort(info: ModelInfo) -> str:
    levels = info.reasoning_effort_levels
    if not levels:
        return ""
    return "/".join(
        f"**{level}**" if level == info.reasoning_effort_default else level
        for level in levels
    )


NEWER_THAN_THE_PACKAGE = (
    "**A model newer than this package.** DashScope ships models every month, so "
    "a name missing here is not refused for that alone. A name spelled the way "
    "DashScope spells ids (a family such as `qwen5`, `qwen3.9`, `deepseek`, `glm` "
    "or `kimi`, then parts that are known words like `max`, `flash`, `instruct`, "
    "sizes like `35b-a3b`, versions like `v5` or `k4`, and real dates like "
    "`-2026-12-01` or `-0902`) is accepted with one `UnknownModelWarning`: the "
    "request goes out as you wrote it, with the catalogue's checks (thinking, "
    "tools, structured output, inputs, region) off, and `model.profile` is "
    '`{"status": "unknown"}`. Typos are still refused with suggestions: a part '
    "that is not a known word (`qwen-plsu`), a date that does not exist "
    "(`qwen-plus-2025-02-30`), or a name one or two letters away from a known one "
    "with the same numbers (`qwen3-maxx`, `qwen-us`); a name that differs from a "
    "known one only in its numbers (`qwen3.9-flash`) counts as new. For a name "
    "the grammar refuses but your key can call, either pass "
    "`validate_model=False`, or run `python -m langchain_qwen models --live "
    "--save` (it saves your key's `GET /models` listing for the region in "
    "`~/.cache/langchain-qwen/`, or under `$XDG_CACHE_HOME`) and set "
    "`DASHSCOPE_MODEL_CACHE=1`, after which the listed ids of that region are "
    "accepted. Then upgrade langchain-qwen once it lists the model."
)


def render() -> str:
    """Render the catalogue page.

    Returns:
        The Markdown text of docs/models.md.
    """
    names = list_models()
    infos = [i for i in (lookup(n) for n in names) if i is not None]
    lines = [
        "# The model catalogue",
        "",
        "Generated from `langchain_qwen/data/models.json` by "
        "`scripts/gen_model_docs.py`; do not edit by hand.",
        "",
        "`ChatQwen` checks model names against this catalogue, fills "
        "`model.profile` from it, and applies each model's rules (thinking, "
        "streaming-only, tools, structured output, input kinds) whatever the "
        "endpoint; `validate_model=False` turns the checks off (not the "
        "streaming of streaming-only models). Each entry records its source "
        "and date in the data file. Frankfurt and Tokyo are assumed to serve the "
        "Global list; Tokyo's list is not documented.",
        "",
        f"Data of **{data_date()}**.",
        "",
        "## Status",
        "",
        "A **retired** model fails when `ChatQwen` is built (on a DashScope host, "
        "with `validate_model=True`), naming the date and the successor; a "
        "**deprecated** one warns once per process (`DeprecatedModelWarning`). "
        '`model.profile["status"]` says `active`, `deprecated`, `retired` or '
        "`unknown`. Only Alibaba notices retire a model here: names that third "
        "parties report retired stay active (their entries say so in `source`). "
        "`validate_model=False`, or a non-DashScope host, keeps a retired name "
        "usable. Whole families retired before the catalogue listed them are "
        "refused by id prefix: "
        + "; ".join(
            f"{', '.join(f'`{p}*`' for p in family.prefixes)} (retired {family.date})"
            for family in catalog.retired_families()
        )
        + ".",
        "",
        NEWER_THAN_THE_PACKAGE,
        "",
        "## Models per region",
        "",
        "| region | models |",
        "|---|---|",
    ]
    lines += [f"| `{r}` | {len(list_models(r))} |" for r in REGIONS]
    lines += [
        "",
        f"{len(infos)} models in {len({i.family for i in infos})} families.",
        "",
        "## Models",
        "",
        "Thinking: `optional (off)` thinks only with `enable_thinking=True`; "
        "`optional (on)` thinks unless `enable_thinking=False`. `stream only`: "
        "DashScope answers only streamed calls, so `invoke` streams under the hood.",
        "",
        "| model | family | status | regions | input | thinking | effort "
        "(**default**) | stream only | tools | JSON schema | context | max output "
        "| snapshots |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for info in infos:
        stream_only = (
            "yes"
            if info.stream_only
            else "when thinking"
            if info.thinking_requires_stream
            else ""
        )
        regions = ", ".join(r for r in REGIONS if r in info.regions)
        lines.append(
            f"| `{info.name}` | {info.family} | {_status(info)} | {regions} | "
            f"{_inputs(info)} | {_THINKING[info.thinking]} | {_effort(info)} | "
            f"{stream_only} | {_yes(info.tools)} | "
            f"{_yes(info.json_schema)} | {_tokens(info.context_window)} | "
            f"{_tokens(info.max_output_tokens)} | {_snapshots(info)} |"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    """Write the page; with `--check`, only report whether it is current.

    Returns:
        The process exit code.
    """
    text = render()
    if "--check" in sys.argv[1:]:
        current = PAGE.read_text(encoding="utf-8") if PAGE.exists() else ""
        return 0 if current == text else 1
    PAGE.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
