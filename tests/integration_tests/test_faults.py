"""Fault injection: every call ends in a complete answer or a clear exception.

Each test builds a seeded plan of calls against the loopback server: DashScope's
errors (as HTTP statuses and inside a 200 stream), streams cut at random points
(dropped connection, clean close without `[DONE]`, `[DONE]` without a
`finish_reason`), malformed SSE lines, slow replies against `timeout=`, and
good answers. Every call is then classified:

- complete answer: returned, and the text is the whole answer;
- clear exception: a `QwenError` of the expected class;
- silent truncation: returned, but the answer is not whole (or should have
  failed) -- must be 0;
- hang: did not finish within the deadline -- must be 0;

and the requests the server received for it must match the retry policy. The
figures are printed (run with `-s`) and asserted.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from langchain_qwen import (
    BillingError,
    ChatQwen,
    ContentModerationError,
    MalformedResponseError,
    QuotaExceededError,
    QwenAuthenticationError,
    QwenError,
    QwenInvalidRequestError,
    QwenModelNotFoundError,
    QwenPermissionDeniedError,
    QwenServerError,
    QwenTimeoutError,
    StreamInterruptedError,
    ThrottlingError,
)
from langchain_qwen.testing import (
    DashScopeServer,
    RecordedRequest,
    Reply,
    completion_chunks,
    error_body,
    error_reply,
    sse_reply,
    text_completion,
)

SEED = 20261125
MAX_RETRIES = 2


@dataclass(frozen=True)
class Timing:
    """The model's `timeout=`, a delay beyond it, and when a call counts as hung."""

    timeout: float
    slow: float
    deadline: float


# Sequential calls can use tight timings; 100 concurrent streams on a loaded
# machine need room, or a healthy but starved stream would time out.
SEQUENTIAL = Timing(timeout=0.5, slow=1.5, deadline=10.0)
CONCURRENT = Timing(timeout=3.0, slow=6.0, deadline=40.0)
STREAM_MODES = ("stream", "astream")

# (status, code, class, requests with max_retries=2)
HTTP_ERRORS: list[tuple[int, str, type[QwenError], int]] = [
    (401, "invalid_api_key", QwenAuthenticationError, 1),
    (400, "data_inspection_failed", ContentModerationError, 1),
    (400, "Arrearage", BillingError, 1),
    (429, "insufficient_quota", QuotaExceededError, 1),
    (429, "Throttling.AllocationQuota", QuotaExceededError, 1),
    (429, "AllocationQuota.FreeTierOnly", QuotaExceededError, 1),
    (429, "CommodityNotPurchased", BillingError, 1),
    (429, "PrepaidBillOverdue", BillingError, 1),
    (429, "PostpaidBillOverdue", BillingError, 1),
    (403, "AccessDenied", QwenPermissionDeniedError, 1),
    (404, "model_not_found", QwenModelNotFoundError, 1),
    (404, "model_not_supported", QwenModelNotFoundError, 1),
    (400, "invalid_parameter_error", QwenInvalidRequestError, 1),
    (429, "limit_requests", ThrottlingError, 3),
    (429, "limit_burst_rate", ThrottlingError, 3),
    (429, "Throttling", ThrottlingError, 3),
    (500, "InternalError", QwenServerError, 3),
    (500, "RequestTimeOut", QwenServerError, 3),
    (503, "ModelServingError", QwenServerError, 3),
    (503, "ModelUnavailable", QwenServerError, 3),
]


@dataclass
class Case:
    """One planned call."""

    name: str
    mode: str
    replies: list[Reply]
    text: str
    expect: type[QwenError] | None  # None: a complete answer
    requests: int
    fault: bool


@dataclass
class Outcome:
    case: Case
    answer: str | None = None
    error: BaseException | None = None
    hung: bool = False
    requests: int = 0


@dataclass
class Figures:
    calls: int = 0
    faults_injected: int = 0
    complete_answers: int = 0
    exceptions: int = 0
    silent_truncations: int = 0
    hangs: int = 0
    wrong_exceptions: int = 0
    request_count_mismatches: int = 0
    requests: int = 0
    by_class: Counter[str] = field(default_factory=Counter)

    def line(self, label: str) -> str:
        return (
            f"[{label}] calls made={self.calls} faults injected={self.faults_injected} "
            f"complete answers={self.complete_answers} exceptions={self.exceptions} "
            f"silent truncations={self.silent_truncations} hangs={self.hangs} "
            f"wrong exceptions={self.wrong_exceptions} "
            f"request-count mismatches={self.request_count_mismatches} "
            f"requests={self.requests} by class={dict(sorted(self.by_class.items()))}"
        )


# --- the plan --------------------------------------------------------------


def _answer(rng: random.Random) -> str:
    words = ["Qwen", "answers", "every", "question", "with", "care", "and", "detail"]
    return " ".join(rng.choice(words) for _ in range(rng.randint(6, 20))) + "."


def stream_faults(rng: random.Random, mode: str, n: int) -> list[Case]:
    """Streams broken at seeded-random points."""
    cases = []
    for i in range(n):
        text = _answer(rng)
        chunks: list[Any] = completion_chunks(text, chunk_size=rng.randint(3, 9))
        kind = rng.choice(
            ["drop", "drop", "no_done", "no_finish", "malformed", "moderation"]
        )
        at = rng.randint(0, len(chunks) - 1)
        expect: type[QwenError] = StreamInterruptedError
        if kind == "drop":
            reply = sse_reply(chunks, drop_after=rng.randint(0, len(chunks)))
        elif kind == "no_done":
            reply = sse_reply(chunks, done=False)
        elif kind == "no_finish":
            finish = next(
                j
                for j, c in enumerate(chunks)
                if c["choices"] and c["choices"][0]["finish_reason"]
            )
            reply = sse_reply(chunks[: rng.randint(0, finish)], done=True)
        elif kind == "malformed":
            reply = sse_reply(
                [*chunks[:at], '{"choices": [{"delta": {"content": "x"', *chunks[at:]]
            )
            expect = MalformedResponseError
        else:
            moderation = error_body(
                "data_inspection_failed",
                "Output data may contain inappropriate content.",
            )
            reply = sse_reply([*chunks[:at], moderation], done=False)
            expect = ContentModerationError
        cases.append(Case(f"{mode}-{kind}-{i}", mode, [reply], text, expect, 1, True))
    return cases


def error_cases(mode: str) -> list[Case]:
    """Each DashScope error, sent as often as the policy would retry it."""
    return [
        Case(
            f"{mode}-{status}-{code}",
            mode,
            [error_reply(status, code, f"{code} happened") for _ in range(requests)],
            "",
            kind,
            requests,
            True,
        )
        for status, code, kind, requests in HTTP_ERRORS
    ]


def recovered_cases(rng: random.Random, mode: str) -> list[Case]:
    """Transient faults the retries absorb: the user gets the whole answer."""
    cases = []
    for status, code in (
        (429, "limit_requests"),
        (500, "InternalError"),
        (503, "ModelUnavailable"),
    ):
        text = _answer(rng)
        failures = rng.randint(1, MAX_RETRIES)
        replies = [error_reply(status, code, "transient") for _ in range(failures)]
        cases.append(
            Case(
                f"{mode}-recovered-{code}",
                mode,
                [*replies, text_completion(text)],
                text,
                None,
                failures + 1,
                True,
            )
        )
    return cases


def slow_cases(rng: random.Random, mode: str, timing: Timing) -> list[Case]:
    text = _answer(rng)
    late = [text_completion(text, delay=timing.slow) for _ in range(MAX_RETRIES + 1)]
    cases = [
        # No first byte within the timeout: retried, then a timeout error.
        Case(
            f"{mode}-slow-first-byte",
            mode,
            late,
            text,
            QwenTimeoutError,
            MAX_RETRIES + 1,
            True,
        ),
        # Slow but within the timeout: a complete answer.
        Case(
            f"{mode}-slow-ok",
            mode,
            [text_completion(text, delay=timing.timeout / 5)],
            text,
            None,
            1,
            True,
        ),
    ]
    if mode in STREAM_MODES:
        chunks = completion_chunks(text)
        stalled = sse_reply(chunks, chunk_delay=timing.slow)
        cases.append(
            Case(
                f"{mode}-slow-chunks",
                mode,
                [stalled],
                text,
                StreamInterruptedError,
                1,
                True,
            )
        )
        steady = sse_reply(chunks, chunk_delay=timing.timeout / 20)
        cases.append(Case(f"{mode}-steady-chunks", mode, [steady], text, None, 1, True))
    return cases


def good_cases(rng: random.Random, mode: str, n: int) -> list[Case]:
    cases = []
    for i in range(n):
        text = _answer(rng)
        reasoning = _answer(rng) if rng.random() < 0.3 else None
        cases.append(
            Case(
                f"{mode}-good-{i}",
                mode,
                [text_completion(text, reasoning=reasoning)],
                text,
                None,
                1,
                False,
            )
        )
    return cases


# --- running the plan ------------------------------------------------------


class Router:
    """Serve each case its own replies, whatever order the requests arrive in."""

    def __init__(self, cases: list[Case]) -> None:
        self._lock = threading.Lock()
        self._queues = {c.name: deque(c.replies) for c in cases}

    def __call__(self, request: RecordedRequest) -> Reply:
        name = _case_of(request)
        with self._lock:
            queue = self._queues.get(name or "")
            reply = queue.popleft() if queue else None
        if reply is None:
            return error_reply(418, "unplanned", f"no reply planned for {name!r}")
        return reply


def _case_of(request: RecordedRequest) -> str | None:
    for message in (request.body or {}).get("messages") or []:
        if message.get("role") == "user":
            return str(message.get("content"))
    return None


def _model(server: DashScopeServer, timing: Timing) -> ChatQwen:
    return ChatQwen(
        base_url=server.base_url,
        api_key="sk-faults",
        timeout=timing.timeout,
        max_retries=MAX_RETRIES,
    )


async def _run(model: ChatQwen, case: Case) -> str:
    if case.mode == "invoke":
        return str((await asyncio.to_thread(model.invoke, case.name)).content)
    if case.mode == "stream":
        return await asyncio.to_thread(
            lambda: "".join(str(c.content) for c in model.stream(case.name))
        )
    if case.mode == "ainvoke":
        return str((await model.ainvoke(case.name)).content)
    return "".join([str(c.content) async for c in model.astream(case.name)])


async def run_cases(
    cases: list[Case], *, concurrent: bool, timing: Timing
) -> tuple[Figures, list[Outcome]]:
    async with DashScopeServer(handler=Router(cases)) as server:
        model = _model(server, timing)

        async def one(case: Case) -> Outcome:
            outcome = Outcome(case)
            try:
                outcome.answer = await asyncio.wait_for(
                    _run(model, case), timing.deadline
                )
            except asyncio.TimeoutError:
                outcome.hung = True
            except Exception as e:
                outcome.error = e
            return outcome

        if concurrent:
            outcomes = list(await asyncio.gather(*(one(c) for c in cases)))
        else:
            outcomes = [await one(c) for c in cases]
        counts = Counter(_case_of(r) for r in server.requests)
    figures = Figures()
    for outcome in outcomes:
        case = outcome.case
        outcome.requests = counts[case.name]
        figures.calls += 1
        figures.faults_injected += case.fault
        figures.requests += outcome.requests
        if outcome.requests != case.requests:
            figures.request_count_mismatches += 1
        if outcome.hung:
            figures.hangs += 1
        elif outcome.error is not None:
            figures.exceptions += 1
            figures.by_class[type(outcome.error).__name__] += 1
            clear = isinstance(outcome.error, QwenError) and bool(str(outcome.error))
            if (
                not clear
                or case.expect is None
                or not isinstance(outcome.error, case.expect)
            ):
                figures.wrong_exceptions += 1
        elif case.expect is None and outcome.answer == case.text:
            figures.complete_answers += 1
        else:
            figures.silent_truncations += 1
    return figures, outcomes


def check(figures: Figures, outcomes: list[Outcome], label: str) -> None:
    print(figures.line(label))
    details = [
        f"{o.case.name}: expected {o.case.expect and o.case.expect.__name__} in "
        f"{o.case.requests} requests, got "
        f"{type(o.error).__name__ if o.error else o.answer!r}"
        f" in {o.requests} requests{' (hung)' if o.hung else ''}"
        for o in outcomes
        if o.hung
        or o.requests != o.case.requests
        or (o.error is None) != (o.case.expect is None)
        or (o.error is not None and not isinstance(o.error, o.case.expect or ()))
        or (o.error is None and o.answer != o.case.text)
    ]
    assert not details, "\n".join(details)
    assert figures.silent_truncations == 0
    assert figures.hangs == 0
    assert figures.wrong_exceptions == 0
    assert figures.request_count_mismatches == 0
    expected_ok = sum(o.case.expect is None for o in outcomes)
    assert figures.complete_answers == expected_ok
    assert figures.exceptions == figures.calls - expected_ok


def plan(modes: tuple[str, ...], seed: int, timing: Timing) -> list[Case]:
    rng = random.Random(seed)
    cases: list[Case] = []
    for mode in modes:
        cases += error_cases(mode) + recovered_cases(rng, mode)
        cases += slow_cases(rng, mode, timing)
        cases += good_cases(rng, mode, 5)
        if mode in STREAM_MODES:
            cases += stream_faults(rng, mode, 25)
    return cases


# --- the tests --------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fast(fast_retries: None) -> Iterator[None]:
    return


@pytest.mark.timeout(300)
async def test_sync_calls_under_faults() -> None:
    figures, outcomes = await run_cases(
        plan(("invoke", "stream"), SEED, SEQUENTIAL),
        concurrent=False,
        timing=SEQUENTIAL,
    )
    check(figures, outcomes, "sync")


@pytest.mark.timeout(300)
async def test_async_calls_under_faults() -> None:
    figures, outcomes = await run_cases(
        plan(("ainvoke", "astream"), SEED + 1, SEQUENTIAL),
        concurrent=False,
        timing=SEQUENTIAL,
    )
    check(figures, outcomes, "async")


@pytest.mark.timeout(120)
async def test_100_concurrent_async_streams_good_and_broken() -> None:
    rng = random.Random(SEED + 2)
    builders: list[Callable[[], list[Case]]] = [
        lambda: stream_faults(rng, "astream", 1),
        lambda: [rng.choice(error_cases("astream"))],
        lambda: [rng.choice(recovered_cases(rng, "astream"))],
        lambda: [rng.choice(slow_cases(rng, "astream", CONCURRENT))],
    ]
    cases: list[Case] = []
    while len(cases) < 100:
        picked = (
            good_cases(rng, "astream", 1)
            if rng.random() < 0.5
            else rng.choice(builders)()
        )
        for case in picked:
            case.name = f"{case.name}#{len(cases)}"  # unique: routed by name
            cases.append(case)
    started = time.monotonic()
    figures, outcomes = await run_cases(cases, concurrent=True, timing=CONCURRENT)
    elapsed = time.monotonic() - started
    check(figures, outcomes, f"100 concurrent astream, {elapsed:.1f}s")
    assert figures.calls == 100
    assert 0 < figures.faults_injected < 100
