"""Fixtures shared by the tests: loopback OpenAI-compatible, Anthropic and Ollama servers, and an inner suite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from anthropic_server import AnthropicServer
from inner_suite import InnerSuite
from llm_server import OpenAICompatibleServer
from ollama_server import OllamaServer

SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture
def openai_server() -> Iterator[OpenAICompatibleServer]:
    with OpenAICompatibleServer() as server:
        yield server


@pytest.fixture
def anthropic_server() -> Iterator[AnthropicServer]:
    with AnthropicServer() as server:
        yield server


@pytest.fixture
def ollama_server() -> Iterator[OllamaServer]:
    with OllamaServer() as server:
        yield server


@pytest.fixture
def inner(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, openai_server: OpenAICompatibleServer
) -> InnerSuite:
    return InnerSuite(pytester, monkeypatch, openai_server.base_url)
