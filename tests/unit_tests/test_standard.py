"""LangChain's standard unit suite."""

from __future__ import annotations

import os
from typing import Any
from unittest import mock

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.load import dumpd, load
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

    @pytest.mark.xfail(
        reason=(
            "langchain-tests 1.1.9 loads with allowed_objects='all', which in "
            "langchain-core 1.8.3 admits only the classes in core's own "
            "serialization mapping; a partner class outside it is refused with "
            "ValueError. Everything before the load (dumpd, the snapshot) passes; "
            "test_serdes_naming_the_class runs the same steps with "
            "allowed_objects=[ChatQwen], as users load it."
        ),
        raises=ValueError,
        strict=True,
    )
    def test_serdes(self, model: BaseChatModel, snapshot: Any) -> None:
        super().test_serdes(model, snapshot)

    def test_serdes_naming_the_class(self, model: BaseChatModel, snapshot: Any) -> None:
        """The suite's `test_serdes`, loading with `allowed_objects=[ChatQwen]`."""
        assert self.chat_model_class.is_lc_serializable()
        env_params, _model_params, _expected_attrs = self.init_from_env_params
        with mock.patch.dict(os.environ, env_params):
            ser = dumpd(model)
            assert ser == snapshot(name="serialized")
            loaded = load(
                dumpd(model),
                valid_namespaces=model.get_lc_namespace()[:1],
                allowed_objects=[ChatQwen],
                secrets_from_env=True,
            )
            # Everything kept; the key is read again from the environment.
            key = "openai_api_key"
            assert model.model_dump(exclude={key}) == loaded.model_dump(exclude={key})
            assert loaded.openai_api_key.get_secret_value() == "sk-from-env"
