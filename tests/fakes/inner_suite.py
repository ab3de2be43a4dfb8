"""A pytester project whose tests call a provider SDK: what the end-to-end tests drive."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

# A conftest for the inner project: any socket connect fails the test, so replay provably stays offline.
NO_SOCKETS = textwrap.dedent(
    """
    import socket
    import pytest

    @pytest.fixture(autouse=True)
    def no_sockets(monkeypatch):
        def refuse(self, address):
            raise AssertionError(f"replay opened a socket to {address}")
        monkeypatch.setattr(socket.socket, "connect", refuse)
        monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    """
)

# The start of an inner test module: the server's base URL, and save() for what the SDK returned.
PREAMBLE = textwrap.dedent(
    """
    import asyncio, json, os, pathlib
    import pytest

    BASE = os.environ["LLMREC_TEST_BASE_URL"]

    def save(name, value):
        out = pathlib.Path(os.environ["LLMREC_TEST_OUT"])
        out.mkdir(exist_ok=True)
        (out / f"{name}.json").write_text(json.dumps(value, default=str))
    """
)


class InnerSuite:
    """A pytester project whose tests call a provider SDK and save what it returned as JSON (see PREAMBLE)."""

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

    def forbid_sockets(self) -> None:
        self.pytester.makeconftest(NO_SOCKETS)

    def results(self) -> dict[str, Any]:
        return {path.stem: json.loads(path.read_text()) for path in sorted(self.out.glob("*.json"))}

    def recordings(self) -> dict[Path, bytes]:
        root = self.pytester.path / "recordings"
        return {p.relative_to(root): p.read_bytes() for p in sorted(root.rglob("*.json"))}

    def documents(self, test: str | None = None) -> dict[Path, Any]:
        """The recordings parsed, by path under the recordings dir; only one inner test's if named."""
        found = {path: json.loads(data) for path, data in self.recordings().items()}
        return {path: doc for path, doc in found.items() if test is None or path.parts[1] == test}
