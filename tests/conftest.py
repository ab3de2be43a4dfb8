"""Fixtures shared by the tests: a loopback OpenAI-compatible server and a way to run inner suites."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from llm_server import OpenAICompatibleServer

SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture
def openai_server() -> Iterator[OpenAICompatibleServer]:
    with OpenAICompatibleServer() as server:
        yield server


class InnerSuite:
    """A pytester project whose tests call the OpenAI SDK and save what it returned as JSON."""

    def __init__(self, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, base_url: str) -> None:
        self.pytester = pytester
        self.out = pytester.path / "out"
        monkeypatch.setenv("LLMREC_TEST_BASE_URL", base_url)
        monkeypatch.setenv("LLMREC_TEST_OUT", str(self.out))
        monkeypatch.delenv("LLMREC_RECORD_MODE", raising=False)

    def run(self, *args: str) -> pytest.RunResult:
        for old in self.out.glob("*.json"):
            old.unlink()
        return self.pytester.runpytest("-p", "no:cacheprovider", "-p", "no:asyncio", *args)

    def results(self) -> dict[str, Any]:
        return {path.stem: json.loads(path.read_text()) for path in sorted(self.out.glob("*.json"))}

    def recordings(self) -> dict[Path, bytes]:
        root = self.pytester.path / "recordings"
        return {p.relative_to(root): p.read_bytes() for p in sorted(root.rglob("*.json"))}


@pytest.fixture
def inner(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, openai_server: OpenAICompatibleServer
) -> InnerSuite:
    return InnerSuite(pytester, monkeypatch, openai_server.base_url)
