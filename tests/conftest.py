"""Fixtures shared by the tests: a loopback OpenAI-compatible server and an inner suite driving it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from inner_suite import InnerSuite
from llm_server import OpenAICompatibleServer

SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture
def openai_server() -> Iterator[OpenAICompatibleServer]:
    with OpenAICompatibleServer() as server:
        yield server


@pytest.fixture
def inner(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, openai_server: OpenAICompatibleServer
) -> InnerSuite:
    return InnerSuite(pytester, monkeypatch, openai_server.base_url)
