"""Hints: what a person can do about a DashScope error, from what the call knew.

The hints look models up in the catalogue and regions in the region table, so
they live above both, beside `translate`, which attaches them.
"""

from __future__ import annotations

import re

from langchain_qwen.catalogue import catalog
from langchain_qwen.errors import (
    _FACTS,
    _NOT_FOUND_CODES,
    BillingError,
    ContentModerationError,
    ErrorContext,
    ErrorFields,
    QuotaExceededError,
    QwenAuthenticationError,
    QwenContextOverflowError,
    QwenInvalidRequestError,
    QwenModelNotFoundError,
    QwenPermissionDeniedError,
    QwenServerError,
    StreamProgress,
    ThrottlingError,
)
from langchain_qwen.regions import REGIONS, host_info


def _where(ctx: ErrorContext) -> str:
    return f"{ctx.base_url} (region {ctx.region!r})" if ctx.region else ctx.base_url


def _auth_hint(ctx: ErrorContext, code: str | None) -> str:
    host = host_info(ctx.base_url)
    if host is None:
        return (
            f"The server at {ctx.base_url} rejected the API key. Pass the key it "
            "expects with api_key=...: DASHSCOPE_API_KEY is sent only to DashScope "
            "hosts, or to a base URL that also comes from the environment."
        )
    if code == "NOT AUTHORIZED":
        return (
            f"The key may not use the workspace behind {ctx.base_url}. Check "
            "workspace_id (or DASHSCOPE_WORKSPACE_ID) and that the key belongs to "
            f"that workspace's account in region {host.region!r}."
        )
    if host.kind in ("coding", "token_plan"):
        plan = "Coding Plan" if host.kind == "coding" else "Token Plan"
        return (
            f"DashScope rejected the API key at {ctx.base_url}, the {plan} endpoint "
            f"of region {host.region!r}: it takes only that plan's keys. For a "
            "pay-as-you-go key, drop base_url to use the region's regular endpoint."
        )
    others = [name for name in REGIONS if name != host.region]
    return (
        f"DashScope rejected the API key at {ctx.base_url} (region {host.region!r}). "
        "Model Studio API keys belong to one region, and a key issued in another "
        "region is rejected here as invalid. If your key comes from another region, "
        "pass region=... or set DASHSCOPE_REGION to that region (and drop base_url "
        f"or DASHSCOPE_BASE_URL if you set one): {', '.join(others)} (frankfurt and "
        "tokyo also need workspace_id=...). Otherwise check the key in the Model "
        f"Studio console of region {host.region!r} (another provider's key, such "
        "as an OpenAI one, is rejected too: DASHSCOPE_API_KEY holds the Model "
        "Studio key)."
    )


def _model_hint(ctx: ErrorContext, code: str | None) -> str:
    if ctx.region is None and code not in _NOT_FOUND_CODES:
        return (
            f"{ctx.base_url} answered 404: check that base_url is the "
            "OpenAI-compatible root (DashScope's ends in /compatible-mode/v1, a "
            "self-hosted server's usually in /v1) and the model name."
        )
    if code in ("model_not_supported", "ModelNotSupported"):
        lead = f"Model {ctx.model!r} is not available in OpenAI-compatible mode."
    else:
        lead = f"Model {ctx.model!r} is not available at {_where(ctx)}."
    info = catalog.lookup(ctx.model)
    if info is not None and ctx.region is not None and ctx.region not in info.regions:
        where = ", ".join(r for r in REGIONS if r in info.regions)
        lead += f" The catalogue lists it for: {where}."
    lister = {
        "chat": "langchain_qwen.list_models",
        "embeddings": "langchain_qwen.catalogue.kinds.list_embedding_models",
        "rerank": "langchain_qwen.catalogue.kinds.list_rerank_models",
    }[ctx.api]
    listing = f"{lister}({ctx.region!r})" if ctx.region else f"{lister}()"
    return (
        f"{lead} Models differ by region: {listing} lists the models of the "
        "catalogue there. Check the spelling (model ids are lower case) and, in the "
        "Model Studio console, that your account may use the model."
    )


# (message pattern, hint), matched case-insensitively like the patterns above.
# (message pattern, hint) pairs from `data/errors.json`; the first match wins.
_REQUEST_HINTS: tuple[tuple[str, str], ...] = tuple(
    (rule["pattern"], rule["hint"]) for rule in _FACTS["request_hints"]["rules"]
)


def _request_hint(ctx: ErrorContext, message: str) -> str:
    info = catalog.lookup(ctx.model)
    max_output = (
        f"{info.max_output_tokens} for {ctx.model}"
        if info and info.max_output_tokens
        else "the model's output limit"
    )
    for pattern, hint in _REQUEST_HINTS:
        if re.search(pattern, message, re.IGNORECASE):
            return hint.format(model=repr(ctx.model), max_output=max_output)
    if not message:
        return (
            "DashScope rejected the request without saying why. Check the "
            f"parameters you set against what {ctx.model!r} takes: the same "
            "request fails the same way when retried."
        )
    return (
        "DashScope rejected a request parameter; its message above names it. "
        "Fix that parameter: the same request fails the same way when retried."
    )


def _overflow_hint(ctx: ErrorContext) -> str:
    if ctx.api == "embeddings":
        return (
            f"A text is longer than {ctx.model!r} takes in one input: split long "
            "texts (for example with a text splitter) before embedding them."
        )
    if ctx.api == "rerank":
        return (
            f"The query or a document is longer than {ctx.model!r} takes: "
            "shorten it, or split long documents before reranking them."
        )
    info = catalog.lookup(ctx.model)
    size = f" ({info.context_window} tokens)" if info and info.context_window else ""
    return (
        f"The input is longer than {ctx.model!r}'s context window{size}: shorten "
        "the messages (for example with langchain_core.messages.trim_messages) or "
        "use a model with a larger window."
    )


def _quota_hint(ctx: ErrorContext, code: str | None) -> str:
    if code == "AllocationQuota.FreeTierOnly":
        return (
            f"The free quota of {ctx.model!r} is used up and the account is set to "
            "use free quota only. Turn off 'free tier only' for this model in the "
            "Model Studio console (calls are then billed), or use another model. "
            "Not retried automatically."
        )
    return (
        "A quota of your account is used up (tokens per minute, or an allocated "
        "or free quota). Not retried automatically: retrying at once does not "
        "free a quota. Wait until it resets (about a minute for per-minute "
        "quotas), send fewer tokens, or raise the quota in the Model Studio "
        "console."
    )


def _billing_hint(ctx: ErrorContext, code: str | None) -> str:
    region = f" of region {ctx.region!r}" if ctx.region else ""
    if code in ("CommodityNotPurchased", "AccessDenied.Unpurchased"):
        return (
            f"Model Studio, or this model, is not activated for your account"
            f"{region}: activate it in the Model Studio console. Not retried "
            "automatically."
        )
    return (
        "Your Alibaba Cloud account has an overdue payment, and DashScope refuses "
        "calls until it is settled: top up or pay the bill in the Alibaba Cloud "
        "billing console. Not retried automatically."
    )


def _permission_hint(ctx: ErrorContext) -> str:
    region = f" of region {ctx.region!r}" if ctx.region else ""
    return (
        f"The account or workspace may not call {ctx.model!r}: some models must "
        "be applied for first, and a free-only model stops when its free quota is "
        f"used up. Check the model's access, your quota and billing in the Model "
        f"Studio console{region}."
    )


def _moderation_hint(message: str) -> str:
    what = (
        "the model's output"
        if message.lower().startswith("output")
        else "the input"
        if message.lower().startswith("input")
        else "the input or the output"
    )
    return (
        f"DashScope's content moderation blocked {what}. Not retried: the same "
        "request is blocked again. Rephrase or remove the flagged content."
    )


def _server_hint(ctx: ErrorContext, code: str | None, tries: str) -> str:
    if code == "RequestTimeOut":
        return (
            f"DashScope stopped the request at its 300-second limit ({tries}). "
            "Stream the answer (model.stream(...) or streaming=True) or ask for a "
            "shorter one (max_tokens)."
        )
    if code in ("ModelServingError", "ModelUnavailable"):
        return (
            f"{ctx.model!r} is busy or unavailable right now ({tries}). Try "
            "again later, raise max_retries, or use another model."
        )
    return (
        f"DashScope failed on its side ({tries}). Try again later; quote the "
        "request_id if you contact Alibaba Cloud support."
    )


def _throttling_hint(ctx: ErrorContext, tries: str) -> str:
    wait = (
        "Wait as long as DashScope asked before calling again, spread"
        if "Retry-After" in tries
        else "Raise max_retries, spread"
    )
    return (
        "DashScope throttled the request: your account's requests per minute or "
        "second, shared by all its keys and workspaces, were exceeded "
        f"({tries}). {wait} the requests out (for example with "
        "rate_limiter=InMemoryRateLimiter(...)), or ask for a higher limit. "
        "Limits reset within about a minute."
    )


def hint(
    kind: type, ctx: ErrorContext, fields: ErrorFields, tries: str | None = None
) -> str:
    tries = tries or f"retried up to {ctx.max_retries} times"
    code, message = fields.code, fields.message or ""
    if kind is QwenAuthenticationError:
        return _auth_hint(ctx, code)
    if kind is QwenModelNotFoundError:
        return _model_hint(ctx, code)
    if kind is QwenContextOverflowError:
        return _overflow_hint(ctx)
    if kind is QwenInvalidRequestError:
        return _request_hint(ctx, message)
    if kind is QuotaExceededError:
        return _quota_hint(ctx, code)
    if kind is BillingError:
        return _billing_hint(ctx, code)
    if kind is QwenPermissionDeniedError:
        return _permission_hint(ctx)
    if kind is ContentModerationError:
        return _moderation_hint(message)
    if kind is ThrottlingError:
        return _throttling_hint(ctx, tries)
    if kind is QwenServerError:
        return _server_hint(ctx, code, tries)
    return "Quote the request_id if you contact Alibaba Cloud support."


def timeout_hint(ctx: ErrorContext, *, in_stream: bool, tries: str = "") -> str:
    if in_stream:
        return (
            f"No data arrived for timeout={ctx.timeout!r} seconds in the middle of "
            "the stream. Raise timeout= (it bounds each wait for data, not the "
            "whole answer) and retry the call."
        )
    return (
        f"{ctx.base_url} sent no answer within timeout={ctx.timeout!r} seconds "
        f"({tries or f'retried up to {ctx.max_retries} times'}). Raise timeout=, "
        "or stream the "
        "answer so that data starts to flow before the timeout."
    )


def interrupted(progress: StreamProgress, why: str) -> tuple[str, str]:
    """The summary and hint of a stream cut short."""
    if progress.finished:
        summary = (
            f"Stream interrupted after its final chunk ({progress.chunks} chunks), "
            f"before data: [DONE]: {why}"
        )
        hint = "The token usage may be missing."
    else:
        summary = (
            f"Stream interrupted after {progress.chunks} chunks, before "
            f"DashScope's final chunk: {why}"
        )
        hint = "The answer is incomplete."
    hint += (
        " Retry the call: a stream is not retried automatically once it has "
        "started, as part of the answer may already have been used."
    )
    return summary, hint
