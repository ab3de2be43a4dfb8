"""The six providers: each one's models, where it lives, and the client that talks to it.

Every base URL comes from the variable that provider's users already set, with the real service as
the default, so a run with a key records against the real thing, and the same run pointed at a local
server (example_suite/record.sh) records against that.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import openai

from .backend import Backend
from .openai_backend import OpenAIBackend

if TYPE_CHECKING:  # imported when used: a team on OpenAI alone has no anthropic SDK installed
    import anthropic

# Replay sends nothing, but the SDKs want a key to start. pytest-llmrec sets OPENAI_API_KEY to a
# placeholder for replaying tests; the other providers' keys get this one. A recording run with no
# real key sends it and gets the provider's 401.
NO_KEY = "no-key-set"


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


def _openai() -> openai.OpenAI:
    return openai.OpenAI()  # OPENAI_API_KEY, OPENAI_BASE_URL (default https://api.openai.com/v1)


def _azure() -> openai.OpenAI:
    return openai.AzureOpenAI(
        azure_endpoint=_env("AZURE_OPENAI_ENDPOINT", "https://your-resource.openai.azure.com"),
        api_key=_env("AZURE_OPENAI_API_KEY", NO_KEY),
        api_version=_env("OPENAI_API_VERSION", "2024-10-21"),
    )


def _ollama() -> openai.OpenAI:
    host = _env("OLLAMA_HOST", "http://localhost:11434").rstrip("/")  # the ollama CLI's variable
    return openai.OpenAI(
        base_url=_env("OLLAMA_BASE_URL", f"{host}/v1"), api_key=_env("OLLAMA_API_KEY", "ollama")
    )  # a local Ollama ignores the key


def _vllm() -> openai.OpenAI:
    return openai.OpenAI(
        base_url=_env("VLLM_BASE_URL", "http://localhost:8000/v1"), api_key=_env("VLLM_API_KEY", NO_KEY)
    )


def _bedrock() -> openai.OpenAI:
    region = _env("AWS_REGION", "us-west-2")
    return openai.OpenAI(
        base_url=_env("BEDROCK_BASE_URL", f"https://bedrock-runtime.{region}.amazonaws.com/openai/v1"),
        api_key=_env("AWS_BEARER_TOKEN_BEDROCK", NO_KEY),  # a Bedrock API key
    )


def _anthropic() -> anthropic.Anthropic:
    import anthropic

    return anthropic.Anthropic(  # ANTHROPIC_BASE_URL (default https://api.anthropic.com)
        api_key=_env("ANTHROPIC_API_KEY", NO_KEY)
    )


@dataclass(frozen=True)
class Provider:
    name: str
    chat_model: str
    embedding_model: str | None  # None: the provider cannot embed, and says why in no_embeddings
    connect: Callable[[], openai.OpenAI | anthropic.Anthropic]
    env: tuple[str, ...]  # the variables a recording run reads: key, base URL, version
    no_embeddings: str = ""

    def backend(self) -> Backend:
        """A fresh client, built from the environment as it is now (inside the test)."""
        client = self.connect()
        if isinstance(client, openai.OpenAI):  # AzureOpenAI too
            return OpenAIBackend(client, self.chat_model, self.embedding_model)
        from .anthropic_backend import AnthropicBackend

        return AnthropicBackend(client, self.chat_model)


PROVIDERS = {
    p.name: p
    for p in (
        Provider(
            "openai", "gpt-4o", "text-embedding-3-small", _openai, ("OPENAI_API_KEY", "OPENAI_BASE_URL")
        ),
        Provider(  # model names are deployment names
            "azure",
            "gpt-4o-mini",
            "text-embedding-3-small",
            _azure,
            ("AZURE_OPENAI_API_KEY", "AZURE_OPENAI_ENDPOINT", "OPENAI_API_VERSION"),
        ),
        Provider(
            "anthropic",
            "claude-3-5-haiku-latest",
            None,
            _anthropic,
            ("ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL"),
            "Anthropic has no embeddings endpoint (it recommends Voyage AI)",
        ),
        Provider(
            "ollama",
            "llama3.2:3b-instruct-fp16",
            "nomic-embed-text",
            _ollama,
            ("OLLAMA_BASE_URL", "OLLAMA_HOST", "OLLAMA_API_KEY"),
        ),
        Provider(
            "vllm",
            "meta-llama/Llama-3.1-8B-Instruct",
            None,
            _vllm,
            ("VLLM_API_KEY", "VLLM_BASE_URL"),
            "a vLLM server serves one model, and this one is a chat model",
        ),
        Provider(
            "bedrock",
            "openai.gpt-oss-20b-1:0",
            None,
            _bedrock,
            ("AWS_BEARER_TOKEN_BEDROCK", "BEDROCK_BASE_URL", "AWS_REGION"),
            "Bedrock's OpenAI-compatible endpoint serves chat completions only",
        ),
    )
}


def provider_named(name: str) -> Provider:
    try:
        return PROVIDERS[name]
    except KeyError:
        raise ValueError(f"unknown provider {name!r}; choose one of {', '.join(PROVIDERS)}") from None
