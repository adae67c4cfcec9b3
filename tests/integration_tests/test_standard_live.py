"""LangChain's standard integration suite against live DashScope.

Runs only when `DASHSCOPE_API_KEY` is set; the region comes from
`DASHSCOPE_REGION` (Singapore by default), and the model is the region's default
(`qwen-plus`, or `qwen-plus-us` in `us`) unless `DASHSCOPE_TEST_MODEL` names
another. The capability flags are read from the model's catalogue entry, so
they describe the model under test rather than a wish.

    DASHSCOPE_API_KEY=sk-... DASHSCOPE_REGION=singapore \\
        python -m pytest tests/integration_tests/test_standard_live.py
"""

from __future__ import annotations

import os
from typing import Any, Literal

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage
from langchain_tests.integration_tests import ChatModelIntegrationTests

from langchain_qwen import ChatQwen
from langchain_qwen.catalogue import catalog
from langchain_qwen.catalogue.catalog import ModelInfo
from langchain_qwen.regions import REGIONS, resolve_endpoint
from tests.integration_tests._standard import (
    ONE_EVENT_LOOP,
    UsageDetail,
    invoke_or_stream,
)


def _target() -> tuple[str, str, str | None]:
    """The region, model and the reason to skip (`None` to run)."""
    if not os.environ.get("DASHSCOPE_API_KEY"):
        return (
            "",
            "",
            (
                "DASHSCOPE_API_KEY is not set: the live DashScope suite needs a Model "
                "Studio key (region from DASHSCOPE_REGION, default singapore)"
            ),
        )
    try:
        endpoint = resolve_endpoint(
            base_url=None, region=None, workspace_id=None, env=os.environ
        )
    except ValueError as exc:
        return "", "", f"DashScope settings in the environment are invalid: {exc}"
    region = endpoint.region or "singapore"
    model = os.environ.get("DASHSCOPE_TEST_MODEL") or REGIONS[region].default_model
    return region, model, None


REGION, MODEL, SKIP_REASON = _target()
INFO: ModelInfo | None = catalog.lookup(MODEL) if MODEL else None


def _override_model() -> str:
    # A second model the region serves, different from the one under test.
    candidates = (
        ("qwen-flash-us", "qwen-plus-us")
        if REGION == "us"
        else (
            "qwen-flash",
            "qwen-plus",
        )
    )
    return next(m for m in candidates if m != MODEL)


def _can(capability: str) -> bool:
    return bool(INFO is not None and getattr(INFO, capability))


pytestmark = [pytest.mark.live, *ONE_EVENT_LOOP]


@pytest.mark.skipif(SKIP_REASON is not None, reason=SKIP_REASON or "")
class TestChatQwenLive(ChatModelIntegrationTests):
    @property
    def chat_model_class(self) -> type[BaseChatModel]:
        return ChatQwen

    @property
    def chat_model_params(self) -> dict[str, Any]:
        # Key, region and workspace come from the environment, as for a user.
        return {"model": MODEL, "timeout": 120}

    @property
    def model_override_value(self) -> str:
        return _override_model()

    @property
    def has_tool_calling(self) -> bool:
        return _can("tools")

    @property
    def has_tool_choice(self) -> bool:
        # Every tool model can be forced to a named function
        # (docs.qwencloud.com/developer-guides/text-generation/function-calling).
        return _can("tools")

    @property
    def has_structured_output(self) -> bool:
        return _can("tools") or _can("json_schema") or _can("json_object")

    @property
    def supports_json_mode(self) -> bool:
        return _can("json_object")

    @property
    def supports_image_inputs(self) -> bool:
        return _can("image_inputs")

    @property
    def supports_image_urls(self) -> bool:
        # DashScope fetches http(s) image URLs itself
        # (alibabacloud.com/help/en/model-studio/qwen-api-via-openai-chat-completions).
        return _can("image_inputs")

    @property
    def supports_video_inputs(self) -> bool:
        return _can("video_inputs")

    @property
    def supports_audio_inputs(self) -> bool:
        return _can("audio_inputs")

    @property
    def supports_pdf_inputs(self) -> bool:
        # Compatible mode rejects OpenAI `type: file` parts
        # (alibabacloud.com/help/en/model-studio/qwen-api-via-openai-chat-completions).
        return False

    @property
    def supports_image_tool_message(self) -> bool:
        # A tool message's content must be a string
        # (docs.qwencloud.com/developer-guides/text-generation/function-calling).
        return False

    @property
    def supported_usage_metadata_details(
        self,
    ) -> dict[Literal["invoke", "stream"], list[UsageDetail]]:
        # `prompt_tokens_details.cached_tokens` comes with every answer;
        # reasoning tokens with every thinking answer
        # (alibabacloud.com/help/en/model-studio/deep-thinking; recorded traffic).
        details: list[UsageDetail] = ["cache_read_input"]
        if _can("can_think"):
            details.append("reasoning_output")
        return {"invoke": details, "stream": list(details)}

    def _model(self, **kwargs: Any) -> ChatQwen:
        return ChatQwen(**{**self.chat_model_params, **kwargs})

    def invoke_with_reasoning_output(self, *, stream: bool = False) -> AIMessage:
        thinking = (
            {}
            if INFO is not None and INFO.thinking == "always"
            else {"enable_thinking": True}
        )
        return invoke_or_stream(
            self._model(**thinking), "What is 17 * 23? Answer briefly.", stream=stream
        )

    def invoke_with_cache_read_input(self, *, stream: bool = False) -> AIMessage:
        return invoke_or_stream(self._model(), "Hello", stream=stream)

    @pytest.mark.xfail(
        not _can("tool_choice_required"),
        reason=f"DashScope's {MODEL} rejects tool_choice='required' (which 'any' "
        "becomes) when several tools are bound; only 'auto', 'none' and a named "
        "function are accepted "
        "(docs.qwencloud.com/developer-guides/text-generation/function-calling)",
        strict=False,
    )
    def test_tool_choice(self, model: BaseChatModel) -> None:
        super().test_tool_choice(model)
