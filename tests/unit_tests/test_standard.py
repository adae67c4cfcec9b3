"""LangChain's standard unit suite."""

from __future__ import annotations

from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_tests.unit_tests import ChatModelUnitTests

from langchain_qwen import ChatQwen


class TestChatQwenUnit(ChatModelUnitTests):
    @property
    def chat_model_class(self) -> type[BaseChatModel]:
        return ChatQwen

    @property
    def chat_model_params(self) -> dict[str, Any]:
        # A model that accepts tool_choice "required": the suite binds many tools
        # with tool_choice="any", which ChatQwen rejects (by design) on models
        # that lack it, such as qwen-plus.
        return {"model": "qwen3.7-plus", "api_key": "sk-test"}

    @property
    def init_from_env_params(self) -> tuple[dict, dict, dict]:
        return (
            {
                "DASHSCOPE_API_KEY": "sk-from-env",
                "DASHSCOPE_BASE_URL": "https://dashscope.aliyuncs.com/compatible-mode/v1",
            },
            {"model": "qwen-max"},
            {
                "openai_api_key": "sk-from-env",
                "openai_api_base": "https://dashscope.aliyuncs.com/compatible-mode/v1",
                "region": "beijing",
                "model_name": "qwen-max",
            },
        )

    # What qwen3.7-plus does through ChatQwen (its catalogue entry).
    @property
    def has_tool_choice(self) -> bool:
        return True

    @property
    def supports_json_mode(self) -> bool:
        return True

    @property
    def supports_image_inputs(self) -> bool:
        return True

    @property
    def supports_image_urls(self) -> bool:
        return True

    @property
    def supports_video_inputs(self) -> bool:
        return True

    @property
    def supports_audio_inputs(self) -> bool:
        return False

    @property
    def supports_pdf_inputs(self) -> bool:
        # Compatible mode rejects `type: file` parts; ChatQwen raises for them.
        return False

    @property
    def supports_image_tool_message(self) -> bool:
        # DashScope tool messages carry text only; ChatQwen raises for images.
        return False

    @property
    def model_override_value(self) -> str:
        return "qwen-max"
