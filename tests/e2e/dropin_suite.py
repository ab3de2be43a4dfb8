"""What the drop-in's end-to-end tests share: an inner suite written for pytest-recording, and cassettes
that VCR.py itself records against the loopback OpenAI server.

The inner runs have pytest-llmrec and no pytest-recording (the test modules skip where it is
importable). Cassettes are made by ``vcr.use_cassette`` around real SDK or ``requests`` calls, never
written by hand, so what is replayed is what a pytest-recording suite has on disk.
"""

from __future__ import annotations

import importlib.util
import textwrap
from collections.abc import Callable
from pathlib import Path

import openai
import pytest
import vcr as vcrpy

from fakes.inner_suite import InnerSuite
from fakes.llm_server import OpenAICompatibleServer

SKIP_IF_PYTEST_RECORDING = pytest.mark.skipif(
    importlib.util.find_spec("pytest_recording") is not None,
    reason="pytest-recording is installed: it serves these names itself",
)

# The start of an inner test module: ask() is one chat call through the openai SDK.
HEAD = textwrap.dedent(
    """
    import os, socket, openai, pytest, requests

    BASE = os.environ["LLMREC_TEST_BASE_URL"]
    PORT = int(BASE.split(":")[2].split("/")[0])

    def ask(text, **headers):
        client = openai.OpenAI(base_url=BASE, api_key="sk-test", max_retries=0, default_headers=headers)
        return client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": text}]
        ).choices[0].message.content

    def body(response):
        return response["body"]["string"]
    """
)


class DropinSuite(InnerSuite):
    """An inner suite whose runs skip hypothesis's plugin: an in-process run forgets the modules it
    imported, and hypothesis, imported anew at each run's summary, costs a second and a half."""

    def run(self, *args: str) -> pytest.RunResult:
        return super().run("-p", "no:hypothesispytest", *args)

    @classmethod
    def of(cls, inner: InnerSuite, *, sockets: bool) -> DropinSuite:
        suite = cls.__new__(cls)
        suite.__dict__.update(inner.__dict__)
        if not sockets:
            suite.forbid_sockets()
        return suite

    def module(self, name: str, source: str) -> None:
        """A test module: HEAD, then ``source``."""
        self.pytester.makepyfile(**{name: HEAD + textwrap.dedent(source)})

    def cassette(self, module: str, name: str) -> Path:
        return self.pytester.path / "cassettes" / module / name

    def natives(self, module: str, cassette: str) -> list[Path]:
        """The native recordings that replace ``cassettes/<module>/<cassette>.yaml``."""
        return sorted((self.pytester.path / "cassettes" / module / cassette).glob("*.json"))


def ask(server: OpenAICompatibleServer, text: str) -> str:
    client = openai.OpenAI(base_url=server.base_url, api_key="sk-test", max_retries=0)
    answer = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": text}])
    return str(answer.choices[0].message.content)


def record(path: Path, calls: Callable[[], object], **options: object) -> None:
    """A cassette as VCR.py writes it, around real calls to the loopback server."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with vcrpy.VCR(record_mode="all", **options).use_cassette(str(path)):  # type: ignore[arg-type]
        calls()
    assert path.is_file()


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
