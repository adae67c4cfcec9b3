"""Quickstart: invoke, stream with reasoning, and token usage.

Runs against DashScope when DASHSCOPE_API_KEY is set; otherwise against a local
replay server that answers in DashScope's wire format, and says so first.
"""

from __future__ import annotations

import os
from contextlib import ExitStack

from langchain_qwen import ChatQwen
from langchain_qwen.testing import DashScopeServer, text_completion


def main() -> None:
    with ExitStack() as stack:
        if os.environ.get("DASHSCOPE_API_KEY"):
            print("Mode: live DashScope (DASHSCOPE_API_KEY is set).")
            chat = ChatQwen(model="qwen-plus")
            thinker = ChatQwen(model="qwen-plus", enable_thinking=True)
        else:
            server = stack.enter_context(DashScopeServer())
            print(
                "Mode: OFFLINE replay on "
                f"{server.base_url} (set DASHSCOPE_API_KEY to use DashScope)."
            )
            server.enqueue(
                text_completion("Qwen is a family of models by Alibaba Cloud."),
                text_completion(
                    "17 * 23 = 391.",
                    reasoning="17 * 20 = 340 and 17 * 3 = 51, so 340 + 51 = 391.",
                    model="qwen-plus",
                ),
            )
            chat = ChatQwen(base_url=server.base_url, model="qwen-plus")
            thinker = ChatQwen(base_url=server.base_url, model="qwen-plus")

        msg = chat.invoke("In one sentence: what is Qwen?")
        print("\n[invoke]", msg.content)
        print("[usage]", msg.usage_metadata)
        print(
            "[metadata]",
            {
                k: msg.response_metadata.get(k)
                for k in ("model_name", "finish_reason", "model_provider")
            },
        )

        print("\n[stream]")
        total = None
        phase = ""
        for chunk in thinker.stream("What is 17 * 23?"):
            reasoning = chunk.additional_kwargs.get("reasoning_content")
            if reasoning:
                if phase != "reasoning":
                    phase = "reasoning"
                    print("  reasoning: ", end="")
                print(reasoning, end="", flush=True)
            if chunk.text:
                if phase != "answer":
                    phase = "answer"
                    print("\n  answer:    ", end="")
                print(chunk.text, end="", flush=True)
            total = chunk if total is None else total + chunk
        print()
        if total is not None:
            print("[stream usage]", total.usage_metadata)
            print("[first content block]", total.content_blocks[0]["type"])


if __name__ == "__main__":
    main()
