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
        return {"model": "qwen-plus", "api_key": "sk-test"}

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

    @property
    def supports_json_mode(self) -> bool:
        return True

    @property
    def model_override_value(self) -> str:
        return "qwen-max"
