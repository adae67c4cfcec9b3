"""Write docs/models.md from the catalogue, so the page cannot drift from the data.

Run `python scripts/gen_model_docs.py`; a unit test fails when the page is stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

from langchain_qwen.catalog import REGIONS, ModelInfo, list_models, lookup

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
    kinds = [
        k
        for k, on in (
            ("image", info.image_inputs),
            ("video", info.video_inputs),
            ("audio", info.audio_inputs),
        )
        if on
    ]
    return ", ".join(["text", *kinds])


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
        "| model | family | regions | input | thinking | stream only | tools | "
        "JSON schema | context | max output | snapshots |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
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
            f"| `{info.name}` | {info.family} | {regions} | {_inputs(info)} | "
            f"{_THINKING[info.thinking]} | {stream_only} | {_yes(info.tools)} | "
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
