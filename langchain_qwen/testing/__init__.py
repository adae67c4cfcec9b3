"""A loopback server that answers like DashScope, for tests without a key.

`DashScopeServer` listens on 127.0.0.1 and serves replies shaped exactly like
DashScope's OpenAI-compatible Chat Completions endpoint: the same JSON key order,
the same SSE framing, the same headers (`x-request-id`, with the body's `id` being
`"chatcmpl-" + x-request-id`) and the same error envelope. Point any OpenAI-style
client at `server.base_url`::

    from langchain_qwen import ChatQwen
    from langchain_qwen.testing import DashScopeServer, text_completion

    with DashScopeServer() as server:
        server.enqueue(text_completion("Hello!", reasoning="The user greets me."))
        model = ChatQwen(base_url=server.base_url, api_key="sk-test")
        assert model.invoke("hi").content == "Hello!"
        assert server.requests[0].headers["authorization"] == "Bearer sk-test"

Replies are served first from the queue (`queue`, or `enqueue` for any request),
then from scripts (`script`), then from `handler`, and with neither, by
`echo_handler`, which echoes the last user message. Queued and scripted replies
can be keyed by what a request says (`when="German"`, or a callable such as
`user_asks(...)`), so concurrent requests get their own answers whatever order
they arrive in::

    server.script("German", text_completion("Hallo Welt!"))
    server.queue(tool_call_reply, final_answer, when="Hangzhou")  # one agent run

Build replies with `text_completion`, `json_reply`, `sse_reply`, `error_reply` and
`load_recording`; faults (delays, malformed lines, mid-stream errors, dropped
connections) are options of those helpers.

To test chains and agents without scripting every reply, serve with
`handler=scripted_handler`: it answers each request as a model following it to
the letter (a forced tool gets a call with arguments valid for its schema, a
`json_schema` response format gets matching JSON, `stop` cuts the answer) and
otherwise echoes::

    with DashScopeServer(handler=scripted_handler) as server:
        model = ChatQwen(base_url=server.base_url, api_key="sk-test")
        extract = model.with_structured_output(Person, method="json_schema")
        extract.invoke("Ada, 36")  # Person(name="Ada, 36", age=36)

Only the standard library is used, so the module costs nothing at import time.
"""

from langchain_qwen.testing._replies import (
    RecordedRequest,
    Reply,
    error_body,
    error_reply,
    json_reply,
    load_recording,
    sse_reply,
)
from langchain_qwen.testing._server import (
    BUILTIN_ROUTES,
    CHAT_PATHS,
    DashScopeServer,
    Route,
    When,
)
from langchain_qwen.testing.completions import (
    completion_body,
    completion_chunks,
    text_completion,
)
from langchain_qwen.testing.embeddings import (
    EMBEDDINGS_PATHS,
    embedding_vector,
    embeddings_route,
)
from langchain_qwen.testing.handlers import (
    Matcher,
    echo_handler,
    mentions,
    scripted_handler,
    user_asks,
)
from langchain_qwen.testing.models import MODELS_PATHS, models_routes
from langchain_qwen.testing.rerank import (
    RERANK_PATHS,
    rerank_route,
    rerank_score,
)
from langchain_qwen.testing.schema_example import schema_example

# Files and batches (their modules register their routes on import).
from langchain_qwen.testing.files import FileStore, files_of  # isort: skip
from langchain_qwen.testing.batches import BatchQueue, batches_of  # isort: skip

__all__ = [
    "BUILTIN_ROUTES",
    "CHAT_PATHS",
    "EMBEDDINGS_PATHS",
    "MODELS_PATHS",
    "RERANK_PATHS",
    "BatchQueue",
    "DashScopeServer",
    "FileStore",
    "Matcher",
    "RecordedRequest",
    "Reply",
    "Route",
    "When",
    "batches_of",
    "completion_body",
    "completion_chunks",
    "echo_handler",
    "embedding_vector",
    "embeddings_route",
    "error_body",
    "error_reply",
    "files_of",
    "json_reply",
    "load_recording",
    "mentions",
    "models_routes",
    "rerank_route",
    "rerank_score",
    "schema_example",
    "scripted_handler",
    "sse_reply",
    "text_completion",
    "user_asks",
]
