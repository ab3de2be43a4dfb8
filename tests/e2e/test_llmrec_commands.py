"""``llmrec ls``, ``show``, ``stats``, ``diff`` and ``prune`` on recordings a real run just made.

The inner suite records through the openai and anthropic SDKs from the loopback servers, and saves
what each SDK call returned; the commands must show what the test saw, not what the file spells.
"""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest

from fakes.anthropic_server import AnthropicServer
from fakes.inner_suite import PREAMBLE, InnerSuite
from pytest_llmrec.cli import main as llmrec

SUITE = PREAMBLE + textwrap.dedent(
    """
    import anthropic, openai

    TOOLS = [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}]

    def client():
        return openai.OpenAI(base_url=BASE, api_key="sk-test", max_retries=0)

    @pytest.mark.llm_recording
    def test_streamed():
        stream = client().chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "What's the name of the Sun in latin?"}],
            stream=True, n=2,
        )
        texts = {}
        for chunk in stream:
            for choice in chunk.choices:
                texts[choice.index] = texts.get(choice.index, "") + (choice.delta.content or "")
        save("streamed", texts)

    @pytest.mark.llm_recording
    def test_streamed_tool_call():
        stream = client().chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "the word luna"}], tools=TOOLS, stream=True
        )
        name, arguments = "", ""
        for chunk in stream:
            for call in chunk.choices[0].delta.tool_calls or []:
                name += call.function.name or ""
                arguments += call.function.arguments or ""
        save("streamed_tool_call", {"name": name, "arguments": arguments})

    @pytest.mark.llm_recording
    def test_plain():
        answer = client().chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
        save("plain", answer.choices[0].message.content)

    @pytest.mark.llm_recording
    def test_anthropic_stream():
        claude = anthropic.Anthropic(base_url=os.environ["ANTHROPIC_TEST_URL"], api_key="test", max_retries=0)
        with claude.messages.stream(
            model="claude-sonnet-4-6", max_tokens=64, messages=[{"role": "user", "content": "Hello Claude"}]
        ) as stream:
            save("anthropic_stream", "".join(stream.text_stream))
    """
)


@pytest.fixture
def recorded(
    inner: InnerSuite, monkeypatch: pytest.MonkeyPatch, anthropic_server: AnthropicServer
) -> InnerSuite:
    monkeypatch.setenv("ANTHROPIC_TEST_URL", anthropic_server.base_url)
    inner.pytester.makepyfile(test_suite=SUITE)
    inner.run("--llm-record=record-missing").assert_outcomes(passed=4)
    return inner


def _recording_of(inner: InnerSuite, test: str) -> Path:
    (path,) = (inner.pytester.path / "recordings" / "test_suite" / test).glob("*.json")
    return path


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()  # what the inner runs printed
    status = llmrec(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def test_show_prints_a_streamed_answer_as_the_sdk_user_saw_it(recorded, capsys):
    seen = recorded.results()
    status, out, _ = _run(capsys, "show", str(_recording_of(recorded, "test_streamed")))
    assert status == 0
    assert "  user:\n    What's the name of the Sun in latin?\n" in out
    assert f"  choice 0 (stop):\n    {seen['streamed']['0']}\n" in out
    assert f"  choice 1 (stop):\n    {seen['streamed']['1']}\n" in out
    assert "stream of " in out and "__data__" not in out


def test_show_assembles_a_streamed_tool_call_and_finds_a_recording_by_its_key(recorded, capsys):
    seen = recorded.results()["streamed_tool_call"]
    key = _recording_of(recorded, "test_streamed_tool_call").name[:12]
    status, out, _ = _run(capsys, "show", key)
    assert status == 0
    arguments = json.dumps(json.loads(seen["arguments"]), separators=(",", ":"), sort_keys=True)
    assert f"  tool call {seen['name']}:\n    {arguments}\n" in out
    assert "  tools:\n    lookup\n" in out


def test_show_joins_an_anthropic_stream_and_its_json_says_the_same(recorded, capsys):
    text = recorded.results()["anthropic_stream"]
    path = str(_recording_of(recorded, "test_anthropic_stream"))
    status, out, _ = _run(capsys, "show", "--json", path)
    shown = json.loads(out)
    assert status == 0
    assert shown["answer"]["parts"][0] == {"label": "text", "text": text}
    assert shown["answer"]["model"] == "claude-sonnet-4-6"
    assert shown["tokens"]["input"] > 0 and shown["tokens"]["output"] > 0
    assert shown["request"]["messages"] == [{"role": "user", "text": "Hello Claude"}]


def test_ls_json_has_a_row_per_file_and_filters(recorded, capsys):
    status, out, _ = _run(capsys, "ls", "--json")
    rows = json.loads(out)
    assert status == 0
    assert sorted(Path(row["file"]) for row in rows) == sorted(
        Path("recordings") / path for path in recorded.recordings()
    )
    by_test = {row["scope"].split("::")[1]: row for row in rows}
    assert by_test["test_streamed"]["stream"] is True and by_test["test_plain"]["stream"] is False
    assert by_test["test_anthropic_stream"]["provider"] == "anthropic"
    assert by_test["test_plain"] == {
        **by_test["test_plain"],
        "provider": "openai",
        "model": "gpt-4o-mini",
        "status": 200,
    }
    assert by_test["test_plain"]["tokens"] > 0
    _, out, _ = _run(capsys, "ls", "--json", "--provider", "anthropic")
    assert [row["scope"] for row in json.loads(out)] == ["test_suite.py::test_anthropic_stream"]
    _, out, _ = _run(capsys, "ls", "--sort", "size", "--reverse")
    lines = out.splitlines()
    assert lines[0].split() == [
        "scope",
        "provider",
        "endpoint",
        "model",
        "stream",
        "status",
        "tokens",
        "size",
        "file",
    ]
    assert lines[-1] == f"{len(rows)} recording(s), " + lines[-1].split(", ")[1]
    assert "test_streamed " in lines[1]  # the two-choice stream is the largest file


def test_stats_json_counts_what_ls_lists(recorded, capsys):
    _, listed, _ = _run(capsys, "ls", "--json")
    rows = json.loads(listed)
    status, out, _ = _run(capsys, "stats", "--json")
    stats = json.loads(out)
    assert status == 0
    assert stats["recordings"] == len(rows) == 4
    assert stats["providers"] == {"openai": 3, "anthropic": 1}
    assert stats["streams"] == 3
    assert stats["tokens"] == sum(row["tokens"] for row in rows)
    assert stats["bytes"] == sum(
        path.stat().st_size for path in (recorded.pytester.path / "recordings").rglob("*.json")
    )
    assert stats["largest"][0]["size"] == max(row["size"] for row in rows)


def test_diff_exits_0_for_a_recording_and_itself_and_1_for_two_that_differ(recorded, capsys):
    plain, streamed = _recording_of(recorded, "test_plain"), _recording_of(recorded, "test_streamed")
    assert _run(capsys, "diff", str(plain), str(plain))[:2] == (
        0,
        "0 differ, 0 only in old, 0 only in new, 1 the same\n",
    )
    status, out, _ = _run(capsys, "diff", str(plain), str(streamed))
    assert status == 1
    assert "request  body.messages[0].content: 'hi' -> \"What's the name of the Sun in latin?\"" in out
    assert "shape    format: json -> sse" in out
    assert "answer   text:" in out and "-Echo: hi" in out


def test_diff_of_directories_pairs_a_rerecorded_prompt_by_its_folder(recorded, capsys):
    before = recorded.pytester.path / "before"
    shutil.copytree(recorded.pytester.path / "recordings", before)
    suite = recorded.pytester.path / "test_suite.py"
    suite.write_text(suite.read_text().replace('"content": "hi"', '"content": "hello"'))
    recorded.run("--llm-record=rewrite").assert_outcomes(passed=4)
    status, out, _ = _run(capsys, "diff", "before", "recordings")
    assert status == 1
    assert "request  body.messages[0].content: 'hi' -> 'hello'" in out
    assert out.splitlines()[-1] == "1 differ, 0 only in old, 0 only in new, 3 the same"
    _, out, _ = _run(capsys, "diff", "--json", "before", "recordings")
    (changed,) = json.loads(out)["changed"]
    assert {d["section"] for d in changed["differences"]} >= {"request", "answer"}


def test_prune_deletes_what_the_last_whole_run_left_unused_and_nothing_else(recorded, capsys):
    pytester = recorded.pytester
    kept = set(recorded.recordings())
    stale = _recording_of(recorded, "test_plain").with_name("0" * 64 + ".json")
    shutil.copy(_recording_of(recorded, "test_plain"), stale)
    # A narrowed run judges nothing: prune says so and deletes nothing.
    pytester.runpytest("-p", "no:asyncio", "-k", "plain").assert_outcomes(passed=1)
    status, _, err = _run(capsys, "prune")
    assert status == 2 and "the last run judged no recording" in err and "-k" in err
    assert stale.exists()
    pytester.runpytest("-p", "no:asyncio").assert_outcomes(passed=4)
    status, out, _ = _run(capsys, "prune", "--dry-run")
    assert (status, out) == (
        0,
        f"would delete: {stale.resolve()}\n1 unused recording(s) would be deleted (--dry-run: none was)\n",
    )
    assert stale.exists()
    status, out, _ = _run(capsys, "prune")
    assert status == 0 and f"deleted: {stale.resolve()}" in out
    assert not stale.exists() and set(recorded.recordings()) == kept


def test_prune_keeps_a_file_written_after_the_run_and_reads_an_llm_report(recorded, capsys):
    pytester = recorded.pytester
    stale = _recording_of(recorded, "test_plain").with_name("0" * 64 + ".json")
    shutil.copy(_recording_of(recorded, "test_plain"), stale)
    pytester.runpytest(
        "-p", "no:asyncio", "-p", "no:cacheprovider", "--llm-report=report.json"
    ).assert_outcomes(passed=4)
    report = json.loads((pytester.path / "report.json").read_text())
    report["finished"] = stale.stat().st_mtime - 10  # as if the file had been written again since
    (pytester.path / "report.json").write_text(json.dumps(report))
    status, out, err = _run(capsys, "prune", "--report", "report.json")
    assert status == 0 and "written after the run ended" in err
    assert out.startswith("0 unused recording(s) deleted") and stale.exists()


def test_a_damaged_recording_is_named_with_its_field(recorded, capsys):
    path = _recording_of(recorded, "test_plain")
    document = json.loads(path.read_text())
    del document["request"]["method"]
    path.write_text(json.dumps(document))
    status, _, err = _run(capsys, "show", str(path))
    assert status == 2 and err == f"llmrec show: error: {path}: request.method: missing\n"
    status, out, err = _run(capsys, "ls", "--json")
    assert status == 0 and len(json.loads(out)) == 3
    relative = path.relative_to(recorded.pytester.path)
    assert f"damaged: {relative}: request.method: missing\n1 damaged file(s) left out" in err


def test_prune_without_a_run_says_what_to_do(pytester, capsys):
    status, _, err = _run(capsys, "prune")
    assert status == 2
    assert "run the whole suite once (pytest), then prune" in err


def test_version_and_help(capsys):
    with pytest.raises(SystemExit) as exited:
        llmrec(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.startswith("llmrec (pytest-llmrec) ")
    with pytest.raises(SystemExit):
        llmrec(["--help"])
    out = capsys.readouterr().out
    for command in ("ls", "show", "diff", "stats", "check", "prune", "import", "scan"):
        assert f"    {command} " in out
    assert "exit status:" in out and "``" not in out


CORPUS = Path(__file__).resolve().parents[3] / "shared" / "llama_stack_recordings"


@pytest.mark.skipif(not CORPUS.is_dir(), reason="llama-stack's recordings are not beside the repository")
def test_ls_and_stats_read_llama_stacks_corpus_and_agree(capsys):
    """3,000 recordings of real providers, written by another recorder."""
    status, out, err = _run(capsys, "ls", "--json", str(CORPUS))
    rows = json.loads(out)
    assert status == 0 and len(rows) > 3000
    assert {"openai", "azure", "anthropic", "ollama", "bedrock", "gemini"} <= {
        row["provider"] for row in rows
    }
    damaged = [line for line in err.splitlines() if line.startswith("damaged: ")]
    assert all(": request.method: missing" in line for line in damaged)  # files llama-stack wrote without one
    _, out, _ = _run(capsys, "stats", "--json", str(CORPUS))
    stats = json.loads(out)
    assert stats["recordings"] == len(rows)
    assert stats["tokens"] == sum(row["tokens"] for row in rows) > 0
    assert sum(stats["providers"].values()) == len(rows)


def test_a_cassette_recorded_by_pytest_recording_is_named_as_one_with_the_command_that_converts_it(capsys):
    cassette = (
        Path(__file__).resolve().parents[1]
        / "data/pytest_recording_suite/tests/cassettes/test_chat/shared.yaml"
    )
    for command in (["show", str(cassette)], ["diff", str(cassette), str(cassette)]):
        status, out, err = _run(capsys, *command)
        assert (status, out) == (2, "")
        assert err == (
            f"llmrec {command[0]}: error: {cassette} is a VCR.py cassette, not a recording: "
            f"`llmrec import {cassette}` converts it\n"
        )
    status, out, _ = _run(capsys, "ls", "--json", str(cassette.parent))
    assert (status, json.loads(out)) == (0, [])
