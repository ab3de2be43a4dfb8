"""A pytester project whose tests call the OpenAI SDK: what the end-to-end tests drive."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest


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
