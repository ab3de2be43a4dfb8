"""End-to-end: what a newcomer meets when recording fails: an unreachable server, an unwritable directory."""

from __future__ import annotations

import socket
import textwrap

import pytest

UNREACHABLE = textwrap.dedent(
    """
    import os
    import openai, pytest

    @pytest.mark.llm_recording
    def test_from_the_environment():
        client = openai.OpenAI(api_key="sk-test", max_retries=1)  # OPENAI_BASE_URL names the server
        client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])

    @pytest.mark.llm_recording
    def test_from_the_code():
        client = openai.OpenAI(api_key="sk-test", base_url=os.environ["ELSEWHERE"], max_retries=0)
        client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
    """
)


def closed_port() -> int:
    """A port on 127.0.0.1 nothing listens on: bound, then released."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["one process", "xdist -n 2"])
def test_recording_against_an_unreachable_server_ends_with_mode_url_and_variable(inner, monkeypatch, workers):
    port, other = closed_port(), closed_port()
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{port}/v1")
    monkeypatch.setenv("ELSEWHERE", f"http://127.0.0.1:{other}/v1")
    inner.pytester.makepyfile(test_down=UNREACHABLE)

    result = inner.run("--llm-record=record-missing", *workers)

    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        [
            "E*openai.APIConnectionError: Connection error.",
            "*- llmrec -*",
            f"pytest-llmrec: in mode 'record-missing', POST http://127.0.0.1:{port}/v1/chat/completions "
            "(2 attempts) got no response (ConnectionRefusedError: [Errno 111] Connection refused); "
            f"the server's address comes from OPENAI_BASE_URL=http://127.0.0.1:{port}/v1",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            f"pytest-llmrec: in mode 'record-missing', POST http://127.0.0.1:{other}/v1/chat/completions "
            "got no response (ConnectionRefusedError: [Errno 111] Connection refused)",
        ]
    )
    assert not list((inner.pytester.path / "recordings").rglob("*.json"))


RECORDS_ONE = textwrap.dedent(
    """
    import os
    import openai, pytest

    @pytest.mark.llm_recording
    def test_sun():
        client = openai.OpenAI(api_key="sk-test", base_url=os.environ["LLMREC_TEST_BASE_URL"], max_retries=0)
        client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
    """
)


def test_recordings_that_cannot_be_written_fail_the_test_naming_the_directory(inner):
    blocker = inner.pytester.path / "notes.txt"
    blocker.write_text("a file where the recordings' parent folder should be")
    inner.pytester.makepyfile(test_one=RECORDS_ONE)

    result = inner.run("--llm-record=record-missing", f"--llm-recordings-dir={blocker / 'recordings'}")

    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_sun*",
            "RecordingWriteError: pytest-llmrec: cannot write the recordings of test_one.py::test_sun: "
            f"{blocker} is a file, not a directory. Make it a writable directory, or record elsewhere "
            "with --llm-recordings-dir=DIR (ini: llm_recordings_dir); the file would have been "
            f"{blocker}/recordings/test_one/test_sun/*.json",
            "llmrec: 0 replayed, 1 sent live, 1 recorded, 0 file(s) written; *",
        ]
    )
    assert "OSError" not in result.stdout.str() and "FileExistsError" not in result.stdout.str()


UNMARKED = textwrap.dedent(
    """
    import os
    import openai

    def test_unmarked():
        client = openai.OpenAI(base_url=os.environ["LLMREC_TEST_BASE_URL"], api_key="sk-test", max_retries=0)
        answer = client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "What's the name of the Sun in latin?"}])
        assert "Sol" in answer.choices[0].message.content
    """
)
COVER_EVERY_TEST = {
    "autouse fixture": textwrap.dedent(
        """
        import pytest

        @pytest.fixture(autouse=True)
        def _record_every_test(llm_recorder):
            yield
        """
    ),
    "collection hook": textwrap.dedent(
        """
        import pytest

        def pytest_collection_modifyitems(items):
            for item in items:
                item.add_marker(pytest.mark.llm_recording)
        """
    ),
}


@pytest.mark.parametrize("recipe", COVER_EVERY_TEST)
def test_a_conftest_recipe_records_and_replays_unmarked_tests(inner, openai_server, recipe):
    inner.pytester.makeconftest(COVER_EVERY_TEST[recipe])
    inner.pytester.makepyfile(test_unmarked=UNMARKED)

    inner.run("--llm-record=record-missing").assert_outcomes(passed=1)
    assert [path.parts[:2] for path in inner.recordings()] == [("test_unmarked", "test_unmarked")]
    openai_server.stop()
    replayed = inner.run("--llm-block-network")

    replayed.assert_outcomes(passed=1)
    assert "llmrec: 1 replayed, 0 sent live, 0 recorded, 0 file(s) written" in replayed.stdout.str()


def test_without_a_recipe_block_network_stops_an_unmarked_test(inner, openai_server):
    inner.pytester.makepyfile(test_unmarked=UNMARKED)

    result = inner.run("--llm-block-network")

    result.assert_outcomes(failed=1)
    assert "test_unmarked.py::test_unmarked runs with --llm-block-network" in result.stdout.str()
    assert openai_server.requests == []
