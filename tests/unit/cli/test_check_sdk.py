"""``llmrec check --sdk``: committed recordings pass; a field the installed SDK rejects is named."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openai
import pytest

from pytest_llmrec.cli import main

ROOT = Path(__file__).parents[3]
EXAMPLE_OPENAI = ROOT / "example_suite" / "recordings" / "openai"
ZOO = ROOT / "tests" / "data" / "recordings_zoo"


def _first(type_path: str, streaming: bool) -> str:
    """A committed recording whose body (or first stream event) is of ``type_path``, relative to its root."""
    for path in sorted(EXAMPLE_OPENAI.rglob("*.json")):
        body = json.loads(path.read_text())["response"]["body"]
        first = body[0] if streaming and isinstance(body, list) and body else body
        if (
            isinstance(body, list) == streaming
            and isinstance(first, dict)
            and first.get("__type__") == type_path
        ):
            return path.relative_to(EXAMPLE_OPENAI).as_posix()
    raise AssertionError(f"no committed {type_path} recording")


CHAT = _first("openai.types.chat.chat_completion.ChatCompletion", streaming=False)
STREAM = _first("openai.types.chat.chat_completion_chunk.ChatCompletionChunk", streaming=True)


def _copy(tmp_path: Path, relative: str, change: Callable[[dict[str, Any]], None]) -> Path:
    """The example suite's openai recordings, with one file changed."""
    root = tmp_path / "openai"
    shutil.copytree(EXAMPLE_OPENAI, root)
    path = root / relative
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))
    return path


def test_the_committed_recordings_pass(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--sdk", str(EXAMPLE_OPENAI), str(ZOO)]) == 0
    out = capsys.readouterr()
    assert out.err == ""
    assert out.out.startswith("llmrec check --sdk: ")
    assert f"openai {openai.__version__}" in out.out
    assert out.out.endswith(": no problems\n")


def test_a_removed_required_field_is_named_with_file_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _copy(tmp_path, CHAT, lambda d: d["response"]["body"]["__data__"]["choices"][0].pop("index"))

    assert main(["check", "--sdk", str(tmp_path)]) == 1
    out = capsys.readouterr()
    assert out.err == (
        f"{path}: response.body.__data__.choices[0].index: openai {openai.__version__}'s ChatCompletion "
        "rejects it: Field required\n"
    )
    assert out.out.endswith(": 1 problem(s) in 1 file(s)\n")


def test_a_wrong_type_counts_with_strict_as_llm_strict_would(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def role_five(document: dict[str, Any]) -> None:
        document["response"]["body"]["__data__"]["choices"][0]["message"]["role"] = 5

    path = _copy(tmp_path, CHAT, role_five)

    # openai builds responses without validating them: the test would see role 5, not an error.
    assert main(["check", "--sdk", str(tmp_path)]) == 0
    capsys.readouterr()
    assert main(["check", "--sdk", "--strict", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err == (
        f"{path}: response.body.__data__.choices[0].message.role: openai {openai.__version__}'s "
        "ChatCompletion rejects it: Input should be 'assistant'\n"
    )


def test_a_stream_event_is_named_by_its_index(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _copy(tmp_path, STREAM, lambda d: d["response"]["body"][1]["__data__"].pop("choices"))

    assert main(["check", "--sdk", "--json", str(tmp_path)]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["problems"] == [
        {
            "path": str(path),
            "kind": "rejected",
            "field": "response.body[1].__data__.choices",
            "problem": f"openai {openai.__version__}'s ChatCompletionChunk rejects it: Field required",
        }
    ]
    assert report["checked_with"] == {"openai": openai.__version__}
    assert report["payloads_checked"] > 0


def test_a_class_the_installed_sdk_lacks_is_an_error_an_sdk_not_installed_is_not(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def renamed(document: dict[str, Any]) -> None:
        document["response"]["body"]["__type__"] = "openai.types.chat.chat_completion.ChatCompletionGone"

    path = _copy(tmp_path, CHAT, renamed)
    assert main(["check", "--sdk", str(tmp_path)]) == 1
    assert capsys.readouterr().err == (
        f"{path}: response.body.__type__: the installed openai {openai.__version__} has no class "
        "openai.types.chat.chat_completion.ChatCompletionGone\n"
    )

    def foreign(document: dict[str, Any]) -> None:
        document["response"]["body"]["__type__"] = "llama_stack_client.types.chat.CompletionResponse"

    shutil.rmtree(tmp_path / "openai")
    _copy(tmp_path, CHAT, foreign)
    assert main(["check", "--sdk", "--json", str(tmp_path)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["not_installed"] == {"llama_stack_client.types.chat.CompletionResponse": 1}
    assert main(["check", "--sdk", str(tmp_path)]) == 0
    assert capsys.readouterr().out.endswith(
        "; 1 payload(s) not checked, SDK not installed: llama_stack_client\n"
    )


def test_a_damaged_recording_is_named_and_fix_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _copy(tmp_path, CHAT, lambda d: d["response"].update(status="ok"))
    assert main(["check", "--sdk", str(tmp_path)]) == 1
    assert capsys.readouterr().err == f'{path}: response.status: expected int, got str "ok"\n'
    with pytest.raises(SystemExit) as stopped:
        main(["check", "--sdk", "--fix", str(tmp_path)])
    assert stopped.value.code == 2
