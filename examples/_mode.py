"""Live DashScope when DASHSCOPE_API_KEY is set, otherwise a local replay server.

Shared by the examples: `chat_kwargs()` yields the keyword arguments that point a
`ChatQwen` (or a `ChatOpenAI`) at the right place, and prints the mode first.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from langchain_qwen.testing import DashScopeServer, Reply, scripted_handler


@contextmanager
def chat_kwargs(
    *replies: Reply, scripts: Mapping[str, Reply] | None = None
) -> Iterator[dict[str, str]]:
    """Yield `ChatQwen` keyword arguments for live or offline use.

    Args:
        *replies: Replies for the offline server, served in order (use them
            for sequential runs, such as one agent's turns).
        scripts: Replies by what the request says (a text its messages
            contain), for requests that may run concurrently, as in `batch`.
            Requests nothing matches go to `scripted_handler` (which follows
            each request to the letter: forced tools, JSON schemas, echoes).

    Yields:
        `{}` for live DashScope, or `base_url` and `api_key` for the replay server.
    """
    if os.environ.get("DASHSCOPE_API_KEY"):
        print("Mode: live DashScope (DASHSCOPE_API_KEY is set).")
        yield {}
        return
    with DashScopeServer(replies, handler=scripted_handler) as server:
        for when, reply in (scripts or {}).items():
            server.script(when, reply)
        print(
            f"Mode: OFFLINE replay on {server.base_url} "
            "(set DASHSCOPE_API_KEY to use DashScope)."
        )
        yield {"base_url": server.base_url, "api_key": "sk-offline"}
