"""Client overhead of ChatQwen beside ChatOpenAI and the raw `openai` SDK.

One loopback DashScope server (`langchain_qwen.testing`, in its own process so it
never competes with the clients for the GIL) answers every contender with the
same precomputed bytes; the contenders take turns round by round (A B C, B C A,
...) so that drift in the machine's load hits all of them alike, and the table
shows medians over rounds.

    python bench/run.py            # the full run (about two minutes on 2 cores)
    python bench/run.py --quick    # a smoke run
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run from anywhere: bench the checkout, not a wheel

MODEL = "qwen-plus"
STREAM_ONLY_MODEL = "qwen3.8-omni-flash"  # catalogue: stream_only, thinks by default
STREAM_EVENTS = 1000  # SSE events in the long stream, usage chunk included
PROMPT_INVOKE = "bench:invoke"
PROMPT_STREAM = "bench:stream"
PROMPT_TTFC = "bench:first-chunk"
PROMPT_STREAM_ONLY = "bench:stream-only"
CONCURRENCY = 64
API_KEY = "sk-bench"
HISTORY = 200  # messages of history in the long-history invoke
SCALE_CHUNKS = (10, 500, 5000)  # stream lengths for the flatness row
SCALE_MESSAGES = (2, 200, 2000)  # history lengths for the flatness row
FLAT = 1.25  # flat: the marginal cost at the large end <= FLAT x the small end's

RAW = "raw openai"
CHAT_OPENAI = "ChatOpenAI"
CHAT_QWEN = "ChatQwen"
QWQ = "langchain-qwq"

# Targets (issue 12): ChatQwen's client CPU as a ratio to a base contender.
TARGETS: dict[str, tuple[str, float]] = {
    "sync invoke, per call": (RAW, 0.90),
    "async invoke, per call": (RAW, 0.90),
    "stream, per chunk": (RAW, 0.30),
    "astream, per chunk": (RAW, 0.35),
    "time to first chunk": (CHAT_OPENAI, 1.0),
    f"{CONCURRENCY} concurrent ainvoke": (RAW, 0.90),
    f"invoke with {HISTORY} messages": (CHAT_OPENAI, 0.15),
    "import time": (CHAT_OPENAI, 1.0),
    "resident memory": (CHAT_OPENAI, 1.0),
}


def prompt_stream(events: int) -> str:
    return f"bench:stream:{events}"


# --------------------------------------------------------------------------
# The server: precomputed replies, routed by the last user message
# --------------------------------------------------------------------------


def _replies() -> dict[str, Any]:
    from langchain_qwen.testing import (  # noqa: PLC0415
        completion_body,
        completion_chunks,
        error_reply,
        json_reply,
        sse_reply,
    )

    answer = "Qwen is a family of large language models built by Alibaba Cloud."
    # Opener + content deltas + finish + usage = STREAM_EVENTS events.
    long_text = ("abcd" * STREAM_EVENTS)[: 4 * (STREAM_EVENTS - 3)]
    return {
        PROMPT_INVOKE: json_reply(completion_body(answer, prompt_tokens=9)),
        PROMPT_STREAM: sse_reply(
            completion_chunks(long_text, chunk_size=4, prompt_tokens=9)
        ),
        PROMPT_TTFC: sse_reply(completion_chunks(answer, chunk_size=8)),
        **{
            prompt_stream(n): sse_reply(
                completion_chunks("abcd" * (n - 3), chunk_size=4, prompt_tokens=9)
            )
            for n in SCALE_CHUNKS
        },
        PROMPT_STREAM_ONLY: sse_reply(
            completion_chunks(
                answer * 4,
                model=STREAM_ONLY_MODEL,
                reasoning="Let me think about what Qwen is. " * 20,
                chunk_size=4,
            )
        ),
        # What DashScope answers a non-streaming call to a streaming-only model.
        "stream-only:json": error_reply(
            400,
            "invalid_parameter_error",
            "This model only support stream mode, please enable the stream "
            "parameter to access the model.",
            type="invalid_request_error",
        ),
    }


def serve() -> None:
    """Serve the bench replies until stdin closes (run as `run.py --serve`)."""
    from langchain_qwen.testing import (  # noqa: PLC0415
        DashScopeServer,
        RecordedRequest,
        Reply,
        echo_handler,
    )

    replies = _replies()

    def handler(request: RecordedRequest) -> Reply:
        body = request.body or {}
        messages = body.get("messages") or [{}]
        prompt = messages[-1].get("content")
        if prompt == PROMPT_STREAM_ONLY and body.get("stream") is not True:
            return replies["stream-only:json"]
        return replies.get(prompt) or echo_handler(request)

    with DashScopeServer(handler=handler, record=False) as server:
        print(server.base_url, flush=True)
        sys.stdin.read()


@contextmanager
def bench_server(script: Path | None = None) -> Iterator[str]:
    """Start a bench's server in its own process; yield its base URL.

    `script` (this file by default) is run with `--serve`: it prints the base
    URL, then serves until its stdin closes.
    """
    proc = subprocess.Popen(
        [sys.executable, str(script or Path(__file__).resolve()), "--serve"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=ROOT,
        env=_child_env(),
        text=True,
    )
    try:
        assert proc.stdout is not None
        base_url = proc.stdout.readline().strip()
        if not base_url.startswith("http"):
            msg = f"the bench server did not start (exit code {proc.poll()})"
            raise RuntimeError(msg)
        yield base_url
    finally:
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _child_env() -> dict[str, str]:
    prefixes = ("DASHSCOPE_", "OPENAI_", "LANGSMITH_", "LANGCHAIN_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT), env.get("PYTHONPATH")) if p
    )
    return env


# --------------------------------------------------------------------------
# The contenders
# --------------------------------------------------------------------------


def qwq_available() -> bool:
    try:
        import langchain_qwq  # noqa: F401, PLC0415
    except ImportError:
        return False
    return True


def contender_names(*, include_qwq: bool = True) -> list[str]:
    names = [RAW, CHAT_OPENAI, CHAT_QWEN]
    if include_qwq and qwq_available():
        names.append(QWQ)
    return names


# Source snippets, so that a fresh subprocess can import and build each one.
_IMPORTS = {
    RAW: "import openai",
    CHAT_OPENAI: "from langchain_openai import ChatOpenAI",
    CHAT_QWEN: "from langchain_qwen import ChatQwen",
    QWQ: "from langchain_qwq import ChatQwen",
}
_BUILD = {
    RAW: "openai.OpenAI(base_url=URL, api_key=KEY)",
    # Stream usage on, as ChatQwen has it by default, so both do the same work.
    CHAT_OPENAI: (
        "ChatOpenAI(model=MODEL, base_url=URL, api_key=KEY, stream_usage=True)"
    ),
    CHAT_QWEN: "ChatQwen(model=MODEL, base_url=URL, api_key=KEY)",
    QWQ: "ChatQwen(model=MODEL, base_url=URL, api_key=KEY)",
}


def build(name: str, base_url: str, *, model: str = MODEL) -> Any:
    namespace: dict[str, Any] = {"URL": base_url, "KEY": API_KEY, "MODEL": model}
    exec(_IMPORTS[name], namespace)
    return eval(_BUILD[name], namespace)


def build_async(name: str, base_url: str) -> Any:
    if name == RAW:
        import openai  # noqa: PLC0415

        return openai.AsyncOpenAI(base_url=base_url, api_key=API_KEY)
    return build(name, base_url)


def _messages(prompt: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": prompt}]


def invoke_once(name: str, client: Any) -> None:
    if name == RAW:
        response = client.chat.completions.create(
            model=MODEL, messages=_messages(PROMPT_INVOKE)
        )
        assert response.choices[0].message.content
    else:
        assert client.invoke(PROMPT_INVOKE).content


async def ainvoke_once(name: str, client: Any) -> None:
    if name == RAW:
        response = await client.chat.completions.create(
            model=MODEL, messages=_messages(PROMPT_INVOKE)
        )
        assert response.choices[0].message.content
    else:
        assert (await client.ainvoke(PROMPT_INVOKE)).content


def stream_iter(name: str, client: Any, prompt: str) -> Iterator[Any]:
    if name == RAW:
        return iter(
            client.chat.completions.create(
                model=MODEL,
                messages=_messages(prompt),
                stream=True,
                stream_options={"include_usage": True},
            )
        )
    return iter(client.stream(prompt))


def history(name: str, length: int) -> list[Any]:
    """`length` messages of alternating questions and answers, then the prompt."""
    turns = []
    for i in range(length):
        role = "user" if i % 2 == 0 else "assistant"
        turns.append((role, f"message {i}: " + "some words of history " * 4))
    turns.append(("user", PROMPT_INVOKE))
    if name == RAW:
        return [{"role": role, "content": text} for role, text in turns]
    from langchain_core.messages import AIMessage, HumanMessage  # noqa: PLC0415

    return [HumanMessage(t) if r == "user" else AIMessage(t) for r, t in turns]


def invoke_history(name: str, client: Any, messages: list[Any]) -> None:
    if name == RAW:
        response = client.chat.completions.create(model=MODEL, messages=messages)
        assert response.choices[0].message.content
    else:
        assert client.invoke(messages).content


async def aconsume(name: str, client: Any, prompt: str) -> int:
    """`consume` for an async stream."""
    count = 0
    if name == RAW:
        stream = await client.chat.completions.create(
            model=MODEL,
            messages=_messages(prompt),
            stream=True,
            stream_options={"include_usage": True},
        )
        async for chunk in stream:
            count += 1
            _ = chunk.choices[0].delta.content if chunk.choices else None
    else:
        async for chunk in client.astream(prompt):
            count += 1
            _ = chunk.content
    return count


def consume(name: str, chunks: Iterator[Any]) -> int:
    """Read every chunk as a user would (its text); return how many there were."""
    count = 0
    for chunk in chunks:
        count += 1
        if name == RAW:
            _ = chunk.choices[0].delta.content if chunk.choices else None
        else:
            _ = chunk.content
    return count


# --------------------------------------------------------------------------
# Measurement
# --------------------------------------------------------------------------


@dataclass
class Config:
    rounds: int = 15
    invokes_per_round: int = 60
    streams_per_round: int = 2
    ttfc_per_round: int = 20
    concurrent_batches_per_round: int = 1
    process_rounds: int = 5  # fresh-subprocess rows (import time, memory)
    memory_calls: int = 200
    history_per_round: int = 5
    flat_repeats: int = 3  # per size, per round, in the flatness rows (least kept)
    stream_only_per_round: int = 10
    warmup: bool = True
    include_qwq: bool = True

    @classmethod
    def quick(cls) -> Config:
        return cls(
            rounds=3,
            invokes_per_round=10,
            ttfc_per_round=3,
            process_rounds=1,
            memory_calls=20,
            history_per_round=2,
            stream_only_per_round=2,
        )

    @classmethod
    def tiny(cls) -> Config:
        """For the smoke test: every row, no statistics."""
        return cls(
            rounds=1,
            invokes_per_round=2,
            ttfc_per_round=1,
            process_rounds=1,
            memory_calls=2,
            history_per_round=1,
            flat_repeats=1,
            stream_only_per_round=1,
            warmup=False,
        )


@dataclass
class Row:
    label: str
    unit: str  # "s" values are shown in us/ms/s; "MB" as is
    samples: dict[str, list[float]] = field(default_factory=dict)
    note: str = ""

    def median(self, name: str) -> float | None:
        values = self.samples.get(name)
        return statistics.median(values) if values else None

    def ratio(self, name: str, base: str) -> float | None:
        """The median of per-round ratios: rounds pair the samples in time."""
        pairs = zip(
            self.samples.get(name, []), self.samples.get(base, []), strict=False
        )
        ratios = [a / b for a, b in pairs if b]
        return statistics.median(ratios) if ratios else None


def cpu() -> float:
    """This process's CPU time: the server runs in another process."""
    return time.process_time()


def _order(names: list[str], round_index: int) -> list[str]:
    shift = round_index % len(names)
    return names[shift:] + names[:shift]


def interleaved(
    names: list[str],
    rounds: int,
    measure: Callable[[str], float],
    *,
    warmup: bool,
) -> dict[str, list[float]]:
    """`measure(name)` for each contender, round by round, rotating the order."""
    if warmup:
        for name in names:
            measure(name)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        for name in _order(names, r):
            gc.collect()
            samples[name].append(measure(name))
    return samples


def measure_sync(names: list[str], base_url: str, config: Config) -> list[Row]:
    clients = {name: build(name, base_url) for name in names}

    def per_call(name: str) -> float:
        client = clients[name]
        start = cpu()
        for _ in range(config.invokes_per_round):
            invoke_once(name, client)
        return (cpu() - start) / config.invokes_per_round

    def per_chunk(name: str) -> float:
        client = clients[name]
        elapsed = 0.0
        for _ in range(config.streams_per_round):
            start = cpu()
            count = consume(name, stream_iter(name, client, PROMPT_STREAM))
            elapsed += cpu() - start
            assert count >= STREAM_EVENTS - 1, count
        return elapsed / (config.streams_per_round * STREAM_EVENTS)

    def first_chunk(name: str) -> float:
        client = clients[name]
        elapsed = 0.0
        for _ in range(config.ttfc_per_round):
            start = cpu()
            chunks = stream_iter(name, client, PROMPT_TTFC)
            next(chunks)
            elapsed += cpu() - start
            consume(name, chunks)  # finish the stream so the connection is reused
        return elapsed / config.ttfc_per_round

    long_history = {name: history(name, HISTORY) for name in names}

    def with_history(name: str) -> float:
        client, messages = clients[name], long_history[name]
        start = cpu()
        for _ in range(config.history_per_round):
            invoke_history(name, client, messages)
        return (cpu() - start) / config.history_per_round

    def stream_cost(name: str, events: int) -> float:
        # The least of a few: a flatness ratio of differences amplifies noise.
        best = float("inf")
        for _ in range(config.flat_repeats):
            start = cpu()
            chunks = stream_iter(name, clients[name], prompt_stream(events))
            count = consume(name, chunks)
            best = min(best, cpu() - start)
            assert count >= events - 1, count
        return best

    def chunks_flat(name: str) -> float:
        small, mid, large = (stream_cost(name, n) for n in SCALE_CHUNKS)
        a, b, c = SCALE_CHUNKS
        return ((large - mid) / (c - b)) / max((mid - small) / (b - a), 1e-12)

    def history_cost(name: str, length: int) -> float:
        messages = history(name, length)
        best = float("inf")
        for _ in range(config.flat_repeats):
            start = cpu()
            invoke_history(name, clients[name], messages)
            best = min(best, cpu() - start)
        return best

    def messages_flat(name: str) -> float:
        small, mid, large = (history_cost(name, n) for n in SCALE_MESSAGES)
        a, b, c = SCALE_MESSAGES
        return ((large - mid) / (c - b)) / max((mid - small) / (b - a), 1e-12)

    rows = []
    for label, fn, unit in (
        ("sync invoke, per call", per_call, "s"),
        (f"stream, per chunk ({STREAM_EVENTS:,}-chunk stream)", per_chunk, "s"),
        ("time to first chunk", first_chunk, "s"),
        (f"invoke with {HISTORY} messages of history, per call", with_history, "s"),
        (
            "per-chunk cost, {:,}-{:,} chunks / {:,}-{:,} chunks".format(
                *SCALE_CHUNKS[1:], *SCALE_CHUNKS[:2]
            ),
            chunks_flat,
            "x",
        ),
        (
            "per-message cost, {:,}-{:,} messages / {:,}-{:,} messages".format(
                *SCALE_MESSAGES[1:], *SCALE_MESSAGES[:2]
            ),
            messages_flat,
            "x",
        ),
    ):
        rows.append(
            Row(
                label, unit, interleaved(names, config.rounds, fn, warmup=config.warmup)
            )
        )
    return rows


def measure_async(names: list[str], base_url: str, config: Config) -> list[Row]:
    async def run() -> list[Row]:
        clients = {name: build_async(name, base_url) for name in names}
        loop_samples: dict[str, dict[str, list[float]]] = {}

        async def per_call(name: str) -> float:
            start = cpu()
            for _ in range(config.invokes_per_round):
                await ainvoke_once(name, clients[name])
            return (cpu() - start) / config.invokes_per_round

        async def batch(name: str) -> float:
            start = cpu()
            for _ in range(config.concurrent_batches_per_round):
                await asyncio.gather(
                    *(ainvoke_once(name, clients[name]) for _ in range(CONCURRENCY))
                )
            return (cpu() - start) / config.concurrent_batches_per_round

        async def per_chunk(name: str) -> float:
            elapsed = 0.0
            for _ in range(config.streams_per_round):
                start = cpu()
                count = await aconsume(name, clients[name], PROMPT_STREAM)
                elapsed += cpu() - start
                assert count >= STREAM_EVENTS - 1, count
            return elapsed / (config.streams_per_round * STREAM_EVENTS)

        for key, fn in (("call", per_call), ("batch", batch), ("chunk", per_chunk)):
            loop_samples[key] = await _ainterleaved(names, config, fn)
        return [
            Row("async invoke, per call", "s", loop_samples["call"]),
            Row(
                f"astream, per chunk ({STREAM_EVENTS:,}-chunk stream)",
                "s",
                loop_samples["chunk"],
            ),
            Row(
                f"{CONCURRENCY} concurrent ainvoke, per batch",
                "s",
                loop_samples["batch"],
            ),
        ]

    return asyncio.run(run())


async def _ainterleaved(
    names: list[str], config: Config, measure: Callable[[str], Awaitable[float]]
) -> dict[str, list[float]]:
    if config.warmup:
        for name in names:
            await measure(name)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for r in range(config.rounds):
        for name in _order(names, r):
            gc.collect()
            samples[name].append(await measure(name))
    return samples


# Fresh subprocesses: what a user's process pays at start and holds after work.
_IMPORT_SCRIPT = """
import time
start = time.process_time()
{imports}
print(time.process_time() - start)
"""

_MEMORY_SCRIPT = """
import sys
{imports}
URL, KEY, MODEL = sys.argv[1], sys.argv[2], sys.argv[3]
client = {build}
for _ in range(int(sys.argv[4])):
    {call}
rss_kb = 0
with open("/proc/self/status") as status:
    for line in status:
        if line.startswith("VmRSS:"):
            rss_kb = int(line.split()[1])
print(rss_kb / 1024)
"""

_CALLS = {
    RAW: "client.chat.completions.create(model=MODEL, "
    f"messages=[{{'role': 'user', 'content': {PROMPT_INVOKE!r}}}])",
    CHAT_OPENAI: f"client.invoke({PROMPT_INVOKE!r})",
    CHAT_QWEN: f"client.invoke({PROMPT_INVOKE!r})",
    QWQ: f"client.invoke({PROMPT_INVOKE!r})",
}


def _run_child(script: str, *args: str) -> float:
    out = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=_child_env(),
        check=True,
        timeout=120,
    )
    return float(out.stdout.strip().splitlines()[-1])


def measure_processes(names: list[str], base_url: str, config: Config) -> list[Row]:
    # Installed packages carry their bytecode; a checkout may not (CI sets
    # PYTHONDONTWRITEBYTECODE), and each fresh process would then charge
    # ChatQwen alone for compiling itself.
    compileall.compile_dir(ROOT / "langchain_qwen", quiet=1)

    def import_time(name: str) -> float:
        return _run_child(_IMPORT_SCRIPT.format(imports=_IMPORTS[name]))

    def memory(name: str) -> float:
        script = _MEMORY_SCRIPT.format(
            imports=_IMPORTS[name], build=_BUILD[name], call=_CALLS[name]
        )
        return _run_child(script, base_url, API_KEY, MODEL, str(config.memory_calls))

    rows = [
        Row(
            "import time (fresh process)",
            "s",
            interleaved(
                names, config.process_rounds, import_time, warmup=config.warmup
            ),
        )
    ]
    if Path("/proc/self/status").exists():
        samples = interleaved(names, config.process_rounds, memory, warmup=False)
    else:
        samples = {}
    rows.append(
        Row(
            f"resident memory after import + {config.memory_calls} invokes",
            "MB",
            samples,
            note="" if samples else "n/a (needs /proc)",
        )
    )
    return rows


_OWN_IMPORT_SCRIPT = """
import time
start = time.process_time()
{parent}
middle = time.process_time()
{own}
end = time.process_time()
print(middle - start)
print(end - middle)
"""
OWN_IMPORT = "ChatQwen's own import, after ChatOpenAI's in the same process"
PARENT_IMPORT = "ChatOpenAI's import"


def measure_own_import(config: Config) -> Row:
    """What importing ChatQwen adds to ChatOpenAI's import, in one fresh process.

    The import-time row compares two fresh processes, whose CPU spreads by
    about 15% here; ChatQwen's import runs all of ChatOpenAI's first, so the
    part that is ChatQwen's own is measured here, beside its parent's.
    """
    script = _OWN_IMPORT_SCRIPT.format(
        parent=_IMPORTS[CHAT_OPENAI], own=_IMPORTS[CHAT_QWEN]
    )
    samples: dict[str, list[float]] = {PARENT_IMPORT: [], OWN_IMPORT: []}
    for _ in range(config.process_rounds):
        out = subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=_child_env(),
            check=True,
            timeout=120,
        )
        parent, own = (float(x) for x in out.stdout.split()[-2:])
        samples[PARENT_IMPORT].append(parent)
        samples[OWN_IMPORT].append(own)
    return Row(OWN_IMPORT, "s", samples)


STREAM_ONLY_INVOKE = f"invoke on a streaming-only model ({STREAM_ONLY_MODEL})"
STREAM_ONLY_MANUAL = "stream + manual aggregation"


def measure_stream_only(base_url: str, config: Config, **init: Any) -> Row:
    """ChatQwen on a streaming-only model: `invoke` against stream + aggregate.

    `init` adds constructor arguments (the smoke test passes `streaming=True`
    to exercise the measuring path before invoke streams by itself).
    """
    import openai  # noqa: PLC0415

    from langchain_qwen import ChatQwen  # noqa: PLC0415

    model = ChatQwen(
        model=STREAM_ONLY_MODEL, base_url=base_url, api_key=API_KEY, **init
    )
    row = Row(f"{STREAM_ONLY_MODEL}: invoke vs stream + aggregation", "s")
    try:
        model.invoke(PROMPT_STREAM_ONLY)
    except openai.BadRequestError:
        # invoke sent `stream: false`, which DashScope refuses for this model.
        row.note = "n/a (pending: invoke does not stream for streaming-only models)"
        return row

    def aggregate() -> Any:
        full = None
        for chunk in model.stream(PROMPT_STREAM_ONLY):
            full = chunk if full is None else full + chunk
        return full

    def timed(name: str) -> float:
        call = model.invoke if name == STREAM_ONLY_INVOKE else None
        start = cpu()
        for _ in range(config.stream_only_per_round):
            message = call(PROMPT_STREAM_ONLY) if call else aggregate()
            assert message.content
        return (cpu() - start) / config.stream_only_per_round

    row.samples = interleaved(
        [STREAM_ONLY_MANUAL, STREAM_ONLY_INVOKE],
        config.rounds,
        timed,
        warmup=config.warmup,
    )
    return row


# --------------------------------------------------------------------------
# Running and reporting
# --------------------------------------------------------------------------


@dataclass
class Results:
    names: list[str]
    rows: list[Row]
    stream_only: Row
    seconds: float
    own_import: Row | None = None


def run(config: Config) -> Results:
    started = time.perf_counter()
    names = contender_names(include_qwq=config.include_qwq)
    with bench_server() as base_url:
        process_rows = measure_processes(names, base_url, config)
        own_import = measure_own_import(config)
        invoke, stream, first, long, chunks_flat, messages_flat = measure_sync(
            names, base_url, config
        )
        ainvoke, astream, batch = measure_async(names, base_url, config)
        stream_only = measure_stream_only(base_url, config)
    ordered = [
        invoke,
        ainvoke,
        stream,
        astream,
        first,
        batch,
        long,
        chunks_flat,
        messages_flat,
        *process_rows,
    ]
    return Results(
        names, ordered, stream_only, time.perf_counter() - started, own_import
    )


ROW_LABELS = (
    "sync invoke, per call",
    "async invoke, per call",
    f"stream, per chunk ({STREAM_EVENTS:,}-chunk stream)",
    f"astream, per chunk ({STREAM_EVENTS:,}-chunk stream)",
    "time to first chunk",
    f"{CONCURRENCY} concurrent ainvoke, per batch",
    f"invoke with {HISTORY} messages of history, per call",
    "per-chunk cost, ",
    "per-message cost, ",
    "import time (fresh process)",
    "resident memory after import + ",
    f"{STREAM_ONLY_MODEL}: invoke vs stream + aggregation",
)
"""Every row the table must have (the memory row ends with the call count)."""


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit == "MB":
        return f"{value:.1f} MB"
    if unit == "x":
        return f"x{value:.2f}"
    if value < 1e-3:
        return f"{value * 1e6:.1f} us"
    if value < 1:
        return f"{value * 1e3:.2f} ms"
    return f"{value:.2f} s"


def _ratio_cell(row: Row, name: str, base: str) -> str:
    value, ratio = row.median(name), row.ratio(name, base)
    if value is None:
        return "n/a"
    cell = _fmt(value, row.unit)
    if ratio is not None and name != base and row.unit != "x":
        cell += f" ({ratio:.2f}x)"
    return cell


def verdict(row: Row) -> tuple[str, bool | None]:
    """The row's target and whether ChatQwen meets it (`None`: not measured)."""
    if row.unit == "x":  # a flatness row: ChatQwen's own ratio
        value = row.median(CHAT_QWEN)
        if value is None:
            return f"<= x{FLAT}", None
        return f"<= x{FLAT}", value <= FLAT
    for prefix, (base, limit) in TARGETS.items():
        if row.label.startswith(prefix):
            ratio = row.ratio(CHAT_QWEN, base)
            target = f"<= x{limit:.2f} of {base}"
            return target, None if ratio is None else ratio <= limit
    return "", None


def format_table(results: Results) -> str:
    names = results.names
    header = ["metric (median client CPU)", *names, "ChatQwen/ChatOpenAI", "target"]
    lines: list[list[str]] = []
    met = []
    for row in results.rows:
        cells = [row.label, *(_ratio_cell(row, n, RAW) for n in names)]
        ratio = row.ratio(CHAT_QWEN, CHAT_OPENAI)
        cells.append(f"{ratio:.3f}" if ratio is not None and row.unit != "x" else "")
        target, ok = verdict(row)
        if ok is None:
            cells.append(f"{target} {row.note}".strip())
        else:
            met.append(ok)
            cells.append(f"{target}: {'met' if ok else 'NOT met'}")
        lines.append(cells)
    widths = [max(len(r[i]) for r in [header, *lines]) for i in range(len(header))]

    def render(cells: list[str]) -> str:
        return "  ".join(
            c.ljust(w) for c, w in zip(cells, widths, strict=True)
        ).rstrip()

    out = [render(header), render(["-" * w for w in widths]), *map(render, lines)]
    so = results.stream_only
    out.append("")
    if so.samples:
        manual, invoke = so.median(STREAM_ONLY_MANUAL), so.median(STREAM_ONLY_INVOKE)
        ratio = so.ratio(STREAM_ONLY_INVOKE, STREAM_ONLY_MANUAL)
        assert ratio is not None
        out.append(
            f"{so.label}: stream + aggregation {_fmt(manual, so.unit)}, "
            f"invoke {_fmt(invoke, so.unit)}, invoke/stream {ratio:.3f}"
        )
    else:
        out.append(f"{so.label}: {so.note}")
    own = results.own_import
    if own is not None and own.samples.get(OWN_IMPORT):
        share = own.ratio(OWN_IMPORT, PARENT_IMPORT)
        out.append(
            f"{own.label}: {_fmt(own.median(OWN_IMPORT), own.unit)}, "
            f"{100 * (share or 0):.1f}% of ChatOpenAI's "
            f"{_fmt(own.median(PARENT_IMPORT), own.unit)} (reported)"
        )
    out.append(
        f"targets met: {sum(met)} of {len(met)}"
        + ("" if all(met) else " (see the target column)")
    )
    out.append(
        "(medians over rounds of this process's CPU time, the server running in "
        "another; ratios are medians of per-round ratios, those in brackets to "
        "the raw openai SDK; flatness rows divide the marginal cost per chunk or "
        "message at the large end by that at the small end; "
        f"the run took {results.seconds:.0f} s)"
    )
    return "\n".join(out)


def describe_environment() -> str:
    versions = []
    for dist in ("openai", "langchain-core", "langchain-openai", "langchain-qwq"):
        try:
            versions.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            continue
    return (
        f"Python {platform.python_version()} on {platform.system()} "
        f"({os.cpu_count()} CPUs); " + ", ".join(versions)
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path, help="also write the medians here")
    args = parser.parse_args(argv)
    if args.serve:
        serve()
        return 0
    config = Config.quick() if args.quick else Config()
    print(describe_environment(), flush=True)
    results = run(config)
    print(format_table(results))
    if args.json:
        data = {
            row.label: {n: row.median(n) for n in row.samples}
            for row in [*results.rows, results.stream_only, results.own_import]
            if row is not None
        }
        args.json.write_text(json.dumps(data, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
