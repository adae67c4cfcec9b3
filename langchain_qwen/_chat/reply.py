"""Reply reading: what ChatQwen adds to the parent's messages (provider, reasoning)."""

PROVIDER = "qwen"
"""The provider LangChain sees: `ls_provider` and `model_provider`."""
