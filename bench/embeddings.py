"""Embeddings throughput of QwenEmbeddings beside OpenAIEmbeddings(base_url=...).

One loopback DashScope server (`langchain_qwen.testing`, in its own process so it
never competes with the clients for the GIL) answers both; `OpenAIEmbeddings`
gets the settings DashScope needs (`check_embedding_ctx_length=False`,
`chunk_size=10`). The contenders take turns round by round in rotating order;
each cell is the median over rounds, each ratio the median of per-round ratios.

    python bench/embeddings.py            # about a minute on 2 cores
    python bench/embeddings.py --quick    # a smoke run
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # bench the checkout, not a wheel

from bench import run as main_bench  # noqa: E402  (its server process serves both)

MODEL = "text-embedding-v4"
DIMENSIONS = 1024
API_KEY = "sk-bench"
TEXTS = 200  # per embed_documents call: 20 requests of 10 texts
QUERIES = 20  # embed_query calls a round

OPENAI = "OpenAIEmbeddings"
QWEN_SEQ = "QwenEmbeddings (max_concurrency=1)"
QWEN = "QwenEmbeddings (default, 4 in flight)"


def serve() -> None:
    """Serve embeddings until stdin closes (run as `embeddings.py --serve`)."""
    from langchain_qwen.testing import DashScopeServer  # noqa: PLC0415

    with DashScopeServer(record=False) as server:
        print(server.base_url, flush=True)
        sys.stdin.read()


@contextmanager
def bench_server() -> Iterator[str]:
    """Start this bench's server in its own process; yield its base URL."""
    with main_bench.bench_server(Path(__file__).resolve()) as base_url:
        yield base_url


def contenders(base_url: str) -> dict[str, Any]:
    from langchain_openai import OpenAIEmbeddings  # noqa: PLC0415

    from langchain_qwen import QwenEmbeddings  # noqa: PLC0415

    common = {"base_url": base_url, "api_key": API_KEY, "dimensions": DIMENSIONS}
    return {
        OPENAI: OpenAIEmbeddings(
            model=MODEL, check_embedding_ctx_length=False, chunk_size=10, **common
        ),
        QWEN_SEQ: QwenEmbeddings(model=MODEL, max_concurrency=1, **common),
        QWEN: QwenEmbeddings(model=MODEL, **common),
    }


def _texts() -> list[str]:
    base = (
        "Model Studio serves Qwen models in several regions; each key belongs to "
        "one region, and embeddings turn text into vectors for retrieval. "
    )
    return [f"{i}: {base * 2}" for i in range(TEXTS)]


def _timed(run: Callable[[], object]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - wall, time.process_time() - cpu


def measure(models: dict[str, Any], rounds: int) -> dict[str, dict[str, list]]:
    texts = _texts()
    # One loop for the run: pooled async connections belong to the loop that
    # opened them.
    loop = asyncio.new_event_loop()
    docs, adocs, query = (
        f"embed_documents, {TEXTS} texts",
        f"aembed_documents, {TEXTS} texts",
        f"embed_query x{QUERIES}",
    )
    rows: dict[str, Callable[[Any], object]] = {
        docs: lambda m: m.embed_documents(texts),
        adocs: lambda m: loop.run_until_complete(m.aembed_documents(texts)),
        query: lambda m: [m.embed_query(t) for t in texts[:QUERIES]],
    }
    per_text = {docs: TEXTS, adocs: TEXTS, query: QUERIES}
    names = list(models)
    results: dict[str, dict[str, list]] = {row: {n: [] for n in names} for row in rows}
    for row, run in rows.items():
        for name in names:  # warm-up: connections, caches
            run(models[name])
        for r in range(rounds):
            order = names[r % len(names) :] + names[: r % len(names)]
            for name in order:
                wall, cpu = _timed(lambda run=run, name=name: run(models[name]))
                results[row][name].append((per_text[row] / wall, cpu / per_text[row]))
    loop.close()
    return results


def report(results: dict[str, dict[str, list]]) -> None:
    names = [OPENAI, QWEN_SEQ, QWEN]
    head = f"{'row':32} {'contender':40} {'texts/s':>9} {'CPU µs/text':>12}"
    print(f"\n{head} {'ratio':>7}")
    for row, cells in results.items():
        base = cells[OPENAI]
        for name in names:
            samples = cells[name]
            rate = statistics.median(s[0] for s in samples)
            cpu = statistics.median(s[1] for s in samples) * 1e6
            ratio = statistics.median(
                s[0] / b[0] for s, b in zip(samples, base, strict=True)
            )
            print(f"{row:32} {name:40} {rate:9.0f} {cpu:12.0f} {ratio:6.2f}x")
    print(
        "\nratio: texts/s over OpenAIEmbeddings's, median of per-round ratios "
        "(> 1 is faster)."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="a smoke run")
    args = parser.parse_args()
    if args.serve:
        serve()
        return
    rounds = 3 if args.quick else 9
    with bench_server() as base_url:
        results = measure(contenders(base_url), rounds)
    print(f"embeddings bench: {rounds} rounds, {DIMENSIONS} dimensions, {MODEL}")
    print(main_bench.describe_environment())
    report(results)


if __name__ == "__main__":
    main()
