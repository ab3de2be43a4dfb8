"""The six providers the example suite runs on: the client each needs, its models, its recordings.

A provider's base URL comes from the variable its users set, with the real service as default, so
``--llm-record=rewrite`` with a key records against the real thing. Replay needs neither key nor
network: the recordings answer, and a placeholder key lets the SDK's client start.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

NO_KEY = "llmrec-no-key-needed"  # what a client gets where the provider needs no key, or in replay


@dataclass(frozen=True)
class Provider:
    name: str
    chat_model: str
    sync_client: Callable[[], Any]
    async_client: Callable[[], Any]
    embedding_model: str | None = None  # None: the provider serves no embeddings here
    anthropic: bool = False
    lists_models: bool = False  # its /models lists the OpenAI model ids the catalogue test asks for


def _openai_compatible(
    base_variable: str, default_base: str, key_variable: str
) -> tuple[Callable[[], Any], Callable[[], Any]]:
    def options() -> dict[str, str]:
        return {
            "base_url": os.environ.get(base_variable, default_base),
            "api_key": os.environ.get(key_variable, NO_KEY),
        }

    def sync() -> Any:
        import openai

        return openai.OpenAI(**options())

    def async_() -> Any:
        import openai

        return openai.AsyncOpenAI(**options())

    return sync, async_


def _azure(async_: bool) -> Any:
    import openai

    endpoint = os.environ.get("AZURE_OPENAI_ENDPOINT", "https://example-resource.openai.azure.com")
    client = openai.AsyncAzureOpenAI if async_ else openai.AzureOpenAI
    return client(azure_endpoint=endpoint, api_version=os.environ.get("OPENAI_API_VERSION", "2024-10-21"))


def _anthropic(async_: bool) -> Any:
    import anthropic

    return anthropic.AsyncAnthropic() if async_ else anthropic.Anthropic()


def _openai(async_: bool) -> Any:
    import openai

    return openai.AsyncOpenAI() if async_ else openai.OpenAI()


PROVIDERS = {
    "openai": Provider(
        "openai",
        "gpt-4o-mini",
        lambda: _openai(False),
        lambda: _openai(True),
        "text-embedding-3-small",
        lists_models=True,
    ),
    "azure": Provider(
        "azure", "gpt-4o-mini", lambda: _azure(False), lambda: _azure(True), "text-embedding-3-small"
    ),
    "anthropic": Provider(
        "anthropic",
        "claude-3-5-haiku-latest",
        lambda: _anthropic(False),
        lambda: _anthropic(True),
        anthropic=True,
    ),
    "ollama": Provider(
        "ollama",
        "llama3.2:3b",
        *_openai_compatible("OLLAMA_BASE_URL", "http://localhost:11434/v1", "OLLAMA_API_KEY"),
        "nomic-embed-text",
    ),
    "vllm": Provider(
        "vllm",
        "meta-llama/Llama-3.1-8B-Instruct",
        *_openai_compatible("VLLM_BASE_URL", "http://localhost:8000/v1", "VLLM_API_KEY"),
    ),
    "bedrock": Provider(
        "bedrock",
        "openai.gpt-oss-20b-1:0",
        *_openai_compatible(
            "BEDROCK_BASE_URL",
            "https://bedrock-runtime.us-west-2.amazonaws.com/openai/v1",
            "AWS_BEARER_TOKEN_BEDROCK",
        ),
    ),
}
