"""Fixtures shared by the tests: loopback OpenAI-compatible, Anthropic and Ollama servers, and an inner suite."""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from fakes.anthropic_server import AnthropicServer
from fakes.inner_suite import InnerSuite
from fakes.llm_server import OpenAICompatibleServer
from fakes.ollama_server import OllamaServer

SHARED = Path(__file__).resolve().parents[2] / "shared"

# pytester's in-process runs forget the modules first imported inside them. httpx keeps a table of
# httpcore's exception classes built on first use, so if the transports were first imported by an
# inner run, a later outer test would see connection errors escape unmapped. Import them once, here.
for _transport in ("httpx", "httpcore", "httpx2", "httpcore2"):
    with contextlib.suppress(ImportError):
        importlib.import_module(_transport)


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
