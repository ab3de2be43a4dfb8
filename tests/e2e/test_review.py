"""``--llm-review``: record from a loopback server, change its answers, rewrite, read the Markdown.

The server here answers each prompt from a table the test edits between runs (text, usage, one
more field, the model), so each recording lands in one group of the review. Run in-process and
under pytest-xdist, where the workers send what changed to the controller.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import openai
import pytest

from fakes.inner_suite import PREAMBLE, InnerSuite
from fakes.loopback import Json, LoopbackHandler, LoopbackServer, RecordedRequest

MODEL = "gpt-4o-mini-2024-07-18"


class ChangingHandler(LoopbackHandler):
    def route(self, request: RecordedRequest) -> None:
        owner = cast("ChangingServer", self.server.owner)
        prompt = request.json["messages"][-1]["content"]
        answer = owner.answers.get(prompt, {})
        text, tokens = answer.get("text", f"About {prompt}."), answer.get("tokens", 3)
        message = {"role": "assistant", "content": text, "refusal": None}
        body = {
            "id": "chatcmpl-fixed",
            "object": "chat.completion",
            "created": 1700000000,
            "model": answer.get("model", MODEL),
            "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": tokens, "completion_tokens": 4, "total_tokens": tokens + 4},
            **answer.get("extra", {}),
        }
        self.send_json(200, body)


class ChangingServer(LoopbackServer):
    """An OpenAI chat endpoint whose answer to each prompt the test sets."""

    handler = ChangingHandler
    path_prefix = "/v1"

    def __init__(self) -> None:
        super().__init__(event_delay=0.0)
        self.answers: dict[str, Json] = {}


def _suite(last_prompt: str, new_test: bool) -> str:
    tests = ["same", "usage", "text", "shape", "model"]
    source = PREAMBLE + textwrap.dedent(
        """
        import openai

        def ask(prompt):
            client = openai.OpenAI(base_url=BASE, api_key="placeholder", max_retries=0)
            answer = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": prompt}])
            return answer.choices[0].message.content
        """
    )
    for name in tests:
        source += f"\n@pytest.mark.llm_recording\ndef test_{name}():\n    ask({name!r})\n"
    source += f"\n@pytest.mark.llm_recording\ndef test_replaced():\n    ask({last_prompt!r})\n"
    if new_test:
        source += "\n@pytest.mark.llm_recording\ndef test_new():\n    ask('new')\n"
    return source


@pytest.fixture
def server() -> Iterator[ChangingServer]:
    with ChangingServer() as running:
        yield running


@pytest.fixture
def inner(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, server: ChangingServer) -> InnerSuite:
    return InnerSuite(pytester, monkeypatch, server.base_url)


def _sections(markdown: str) -> dict[str, str]:
    """The report's ``## `` sections by heading."""
    parts = markdown.split("\n## ")
    return {part.split("\n", 1)[0]: part.split("\n", 1)[1] for part in parts[1:]}


def _file_of(inner: InnerSuite, test: str) -> Path:
    (path,) = (inner.pytester.path / "recordings" / "test_suite" / test).glob("*.json")
    return path


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["in-process", "xdist"])
def test_the_review_groups_what_a_rewrite_changed(
    inner: InnerSuite, server: ChangingServer, workers: list[str]
) -> None:
    inner.pytester.makepyfile(test_suite=_suite("old question", new_test=False))
    first = inner.run("--llm-record=record-missing", "--llm-review=review-1.md")
    first.assert_outcomes(passed=6)
    recorded = (inner.pytester.path / "review-1.md").read_text()
    assert "6 recording(s) changed (--llm-record=record-missing): 6 new.\n" in recorded
    assert len(_sections(recorded)["New (6)"].strip().splitlines()) == 6
    same_before = _file_of(inner, "test_same").read_bytes()
    stamp = json.loads(same_before)["provenance"]
    assert stamp["sdk"] == "openai" and stamp["sdk_version"] == openai.__version__
    assert stamp["model"] == MODEL

    server.answers.update(
        usage={"tokens": 9},
        text={"text": "About text, said another way."},
        shape={"extra": {"service_tier": "default"}},
        model={"model": "gpt-4o-mini-2025-04-14"},
    )
    inner.pytester.makepyfile(test_suite=_suite("new question", new_test=True))
    old_replaced = _file_of(inner, "test_replaced")
    second = inner.run(*workers, "--llm-record=rewrite", "--llm-review=review.md")
    second.assert_outcomes(passed=7)

    report = (inner.pytester.path / "review.md").read_text()
    assert report.startswith("# Recordings review\n\n")
    assert (
        "7 recording(s) changed (--llm-record=rewrite): 2 new, 1 deleted, 1 only usage changed, "
        "1 answer text changed, 1 shape changed, 1 model changed.\n"
    ) in report
    sections = _sections(report)
    assert list(sections) == [
        "New (2)",
        "Deleted (1)",
        "Only usage changed (1)",
        "Answer text changed (1)",
        "Shape changed (1)",
        "Model changed (1)",
    ]
    shown = {
        test: _file_of(inner, test).relative_to(inner.pytester.path).as_posix()
        for test in ("test_new", "test_replaced", "test_usage", "test_text", "test_shape", "test_model")
    }
    assert (
        f"- `{shown['test_new']}`: `/v1/chat/completions`, model `{MODEL}`, 7 tokens (openai "
        in sections["New (2)"]
    )
    assert f"- `{shown['test_replaced']}`: " in sections["New (2)"]
    deleted = old_replaced.relative_to(inner.pytester.path).as_posix()
    assert sections["Deleted (1)"].startswith(f"\n- `{deleted}`: `/v1/chat/completions`, model `{MODEL}`")
    assert not old_replaced.exists()
    assert sections["Only usage changed (1)"] == (
        f"\n- `{shown['test_usage']}`: input tokens 3 -> 9; total tokens 7 -> 13\n"
    )
    assert sections["Answer text changed (1)"] == (
        f"\n### `{shown['test_text']}`\n\nOld:\n\n```text\nAbout text.\n```\n\n"
        "New:\n\n```text\nAbout text, said another way.\n```\n"
    )
    assert sections["Shape changed (1)"] == (
        f"\n- `{shown['test_shape']}`\n  - `service_tier`: new field: string\n"
    )
    assert sections["Model changed (1)"].startswith(
        f"\n- `{shown['test_model']}`: '{MODEL}' -> 'gpt-4o-mini-2025-04-14' (openai {openai.__version__}, "
    )
    # Unchanged: not in the review, and not a byte changed (its provenance neither).
    assert "test_same" not in report
    assert _file_of(inner, "test_same").read_bytes() == same_before
    document: dict[str, Any] = json.loads(_file_of(inner, "test_model").read_text())
    assert document["provenance"]["model"] == "gpt-4o-mini-2025-04-14"


def test_a_replay_run_writes_a_review_of_nothing(inner: InnerSuite) -> None:
    inner.pytester.makepyfile(test_suite=_suite("old question", new_test=False))
    inner.run("--llm-record=record-missing").assert_outcomes(passed=6)
    inner.run("--llm-review=out/review.md").assert_outcomes(passed=6)
    assert (inner.pytester.path / "out" / "review.md").read_text() == (
        "# Recordings review\n\nNo recording changed (each test's mode).\n"
    )
