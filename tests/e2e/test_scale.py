"""At scale and to the byte: many tests on four workers, a long stream, a large body, SSE framing.

Each test records from a loopback server through the real SDK or httpx, then replays with the
server stopped and sockets forbidden, and compares what the client received in both runs.
"""

from __future__ import annotations

import re
import textwrap
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fakes.inner_suite import NO_SOCKETS, PREAMBLE, InnerSuite
from fakes.llm_server import OpenAICompatibleServer
from fakes.loopback import LoopbackHandler, LoopbackServer, RecordedRequest
from pytest_llmrec.storage import recording

# Events as a server may send them: text whose data spans several lines (SSE joins them with "\n"),
# an empty line of data inside one, a trailing empty line, a named event, compact JSON, and JSON
# spread over two lines that carries an id to make stable.
MULTILINE_EVENTS = [
    b"event: note\ndata: first line\ndata: second line\n\n",
    b'data: {"delta":"x"}\n\n',
    b"data: a\ndata: \ndata: c\n\n",
    b"data: tail\ndata: \n\n",
    b'data: {"id": "chatcmpl-AbC123xyz",\ndata:  "text": "hi"}\n\n',
    b"data: [DONE]\n\n",
]


class _EventsHandler(LoopbackHandler):
    def route(self, request: RecordedRequest) -> None:
        self.send_chunks("text/event-stream", MULTILINE_EVENTS)


class EventsServer(LoopbackServer):
    """Answers any request with MULTILINE_EVENTS, one HTTP chunk per event."""

    handler = _EventsHandler


@pytest.fixture
def events_server() -> Iterator[EventsServer]:
    with EventsServer(event_delay=0.0) as server:
        yield server


MULTILINE_SUITE = PREAMBLE + textwrap.dedent(
    """
    try:
        import httpx2 as httpx
    except ImportError:
        import httpx

    @pytest.mark.llm_recording
    def test_events():
        with httpx.stream("POST", BASE + "/events", json={"q": 1}) as response:
            chunks = [chunk.decode() for chunk in response.iter_raw()]
        save("events", chunks)
    """
)


def test_sse_data_of_several_lines_records_and_replays_as_the_client_received_it(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, events_server: EventsServer
) -> None:
    suite = InnerSuite(pytester, monkeypatch, events_server.base_url)
    pytester.makepyfile(test_events=MULTILINE_SUITE)
    suite.run("--llm-record=record-missing").assert_outcomes(passed=1)
    live = suite.results()["events"]
    (document,) = suite.documents().values()
    (stable,) = document["id_normalization_mapping"]
    assert document["id_normalization_mapping"] == {stable: "chatcmpl-AbC123xyz"}
    # Text goes through as sent; the JSON, rewritten as one document, goes out compact with the stable id.
    json_event = f'data: {{"id":"{stable}","text":"hi"}}\n\n'.encode()
    received = [*MULTILINE_EVENTS[:4], json_event, MULTILINE_EVENTS[5]]
    assert "".join(live).encode() == b"".join(received)
    assert document["response"]["body"] == [
        {"event": "note", "data": "first line\nsecond line"},
        {"event": None, "data": {"delta": "x"}},
        {"event": None, "data": "a\n\nc"},
        {"event": None, "data": "tail\n"},
        {"event": None, "data": {"id": stable, "text": "hi"}},
    ]
    events_server.stop()
    suite.forbid_sockets()

    suite.run().assert_outcomes(passed=1)

    assert suite.results()["events"] == [event.decode() for event in received]


@pytest.fixture
def fast_server() -> Iterator[OpenAICompatibleServer]:
    """The OpenAI-compatible server with no pause between stream events."""
    with OpenAICompatibleServer(event_delay=0.0) as server:
        yield server


# Inner tests ask through one openai client per worker, as an application would keep it, and check the
# answer; ask() returns the text, streamed or not.
ASK = PREAMBLE + textwrap.dedent(
    """
    import openai

    client = openai.OpenAI(base_url=BASE, api_key="sk-test", max_retries=0)

    def ask(question, stream=False):
        messages = [{"role": "user", "content": question}]
        if not stream:
            return client.chat.completions.create(model="gpt-4o-mini", messages=messages).choices[0].message.content
        chunks = client.chat.completions.create(model="gpt-4o-mini", messages=messages, stream=True)
        return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    """
)
OWN_TESTS, SHARED_CLASSES, PER_CLASS, MODULE_TESTS = 100, 8, 10, 20
# Each test in its own scope asks one question, streamed for every other test.
OWN = ASK + textwrap.dedent(
    f"""
    @pytest.mark.llm_recording
    @pytest.mark.parametrize("n", range({OWN_TESTS}))
    def test_own(n):
        assert ask(f"own {{n}}", stream=n % 2 == 1) == f"Echo: own {{n}}"
    """
)
# Classes whose tests share a scope: each asks the class's common question twice (occurrences 1 and
# 2 of one request) and one of its own, streamed in every other test; workers race to record the
# common ones.
SHARED = ASK + "".join(
    textwrap.dedent(
        f"""
        @pytest.mark.llm_recording(name="shared-{k}")
        class TestShared{k}:
            @pytest.mark.parametrize("n", range({PER_CLASS}))
            def test_shared(self, n):
                assert ask("common {k}") == ask("common {k}") == "Echo: common {k}"
                assert ask(f"scope {k} question {{n}}", stream=n % 2 == 1) == f"Echo: scope {k} question {{n}}"
        """
    )
    for k in range(SHARED_CLASSES)
)
# A module whose tests share one scope through pytestmark.
MODULE = ASK + textwrap.dedent(
    f"""
    pytestmark = pytest.mark.llm_recording(name="module-scope")

    @pytest.mark.parametrize("n", range({MODULE_TESTS}))
    def test_module(n):
        assert ask("common to the module", stream=True) == "Echo: common to the module"
        assert ask(f"module question {{n}}") == f"Echo: module question {{n}}"
    """
)
TESTS = OWN_TESTS + SHARED_CLASSES * PER_CLASS + MODULE_TESTS


def expected_recordings() -> Counter[tuple[str, str, int]]:
    """(scope, question, occurrence) of every file the suite must leave, each once."""
    expected = [(f"test_own.py::test_own[{n}]", f"own {n}", 1) for n in range(OWN_TESTS)]
    for k in range(SHARED_CLASSES):
        expected += [(f"shared-{k}", f"common {k}", 1), (f"shared-{k}", f"common {k}", 2)]
        expected += [(f"shared-{k}", f"scope {k} question {n}", 1) for n in range(PER_CLASS)]
    expected += [("module-scope", "common to the module", 1)]
    expected += [("module-scope", f"module question {n}", 1) for n in range(MODULE_TESTS)]
    return Counter(expected)


def found_recordings(root: Path) -> Counter[tuple[str, str, int]]:
    """(scope, question, occurrence) of every file under root, each read by the strict reader."""
    found: Counter[tuple[str, str, int]] = Counter()
    for path in root.rglob("*.json"):
        rec = recording.loads(path.read_bytes(), path)
        match = re.fullmatch(r"[0-9a-f]{64}(?:\.(\d+))?\.json", path.name)
        assert match, path
        question = rec.request.body["messages"][0]["content"]
        found[(str(rec.scope), question, int(match[1] or 1))] += 1
    return found


def summary(result: pytest.RunResult) -> str:
    return next(line for line in result.outlines if line.startswith("llmrec: "))


def test_four_workers_record_200_tests_sharing_scopes_each_file_once_then_replay_and_write_nothing(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, fast_server: OpenAICompatibleServer
) -> None:
    pytest.importorskip("xdist")
    suite = InnerSuite(pytester, monkeypatch, fast_server.base_url)
    pytester.makepyfile(test_own=OWN, test_shared=SHARED, test_module=MODULE)
    expected = expected_recordings()
    root = pytester.path / "recordings"

    recorded = suite.run("-n", "4", "--llm-record=record-missing")

    recorded.assert_outcomes(passed=TESTS)
    print(f"recording on 4 workers: {summary(recorded)}")  # more sent live than written: the races
    assert f"{sum(expected.values())} file(s) written" in summary(recorded)
    assert found_recordings(root) == expected  # every file once: none missing, none doubled
    others = [
        p for p in root.rglob("*") if p.is_file() and not re.fullmatch(r"[0-9a-f]{64}\S*\.json", p.name)
    ]
    assert others == []  # no temporary file left behind
    files = suite.recordings()
    fast_server.stop()
    suite.forbid_sockets()

    replayed = suite.run("-n", "4")

    replayed.assert_outcomes(passed=TESTS)
    requests = OWN_TESTS + SHARED_CLASSES * PER_CLASS * 3 + MODULE_TESTS * 2
    assert summary(replayed).startswith(f"llmrec: {requests} replayed, 0 sent live, 0 recorded, 0 file(s)")

    again = suite.run("--llm-record=record-missing")  # in one process: the workers' part is shown above

    again.assert_outcomes(passed=TESTS)
    assert summary(again).startswith(f"llmrec: {requests} replayed, 0 sent live, 0 recorded, 0 file(s)")
    assert suite.recordings() == files


# Measures each inner test in its own process: wall time from setup to the end of teardown (when the
# recording is written) and the process's peak resident memory before and after. The peak is Linux's
# VmHWM, this process's own; ru_maxrss would start from the forking parent's size.
COST = textwrap.dedent(
    """
    import json, os, pathlib, re, time
    import pytest

    def peak_mib():
        status = pathlib.Path("/proc/self/status").read_text()
        return int(re.search(r"VmHWM:\\s+(\\d+) kB", status)[1]) / 1024

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_protocol(item, nextitem):
        before, start = peak_mib(), time.perf_counter()
        try:
            return (yield)
        finally:
            cost = {"seconds": time.perf_counter() - start, "before_mib": before, "peak_mib": peak_mib()}
            out = pathlib.Path(os.environ["LLMREC_TEST_OUT"])
            out.mkdir(exist_ok=True)
            (out / f"cost-{item.name}.json").write_text(json.dumps(cost))
    """
)
needs_proc = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="VmHWM is Linux's")
STREAM_EVENTS = 20_000
# The server streams an opening delta, "Echo: ", one event per word and the finish: words + 3 events.
STREAM_WORDS = STREAM_EVENTS - 3
SPEECH_WORDS = 4_370  # the server speaks 0.1 s of 24 kHz 16-bit PCM, 4,800 bytes, per word
BODY_BYTES = SPEECH_WORDS * 4_800  # 20,976,000 bytes, 20.0 MiB
LARGE = ASK + textwrap.dedent(
    f"""
    @pytest.mark.llm_recording
    def test_long_stream():
        question = " ".join(f"w{{i}}" for i in range({STREAM_WORDS}))
        messages = [{{"role": "user", "content": question}}]
        stream = client.chat.completions.create(model="gpt-4o-mini", messages=messages, stream=True)
        save("stream", [chunk.model_dump() for chunk in stream])

    @pytest.mark.llm_recording
    def test_large_body():
        speech = client.audio.speech.create(
            model="tts-1", voice="alloy", input=" ".join(["word"] * {SPEECH_WORDS}), response_format="pcm"
        )
        out = pathlib.Path(os.environ["LLMREC_TEST_OUT"])
        out.mkdir(exist_ok=True)
        (out / "body.bin").write_bytes(speech.read())
    """
)


def run_alone(suite: InnerSuite, test: str, *args: str) -> tuple[dict[str, Any], dict[str, float]]:
    """Run one inner test in a fresh process: what it saved, and its cost (see COST)."""
    for old in suite.out.glob("*.json"):
        old.unlink()
    result = suite.pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-p", "no:asyncio", "-p", "no:randomly", f"test_large.py::{test}", *args
    )
    result.assert_outcomes(passed=1)
    saved = suite.results()
    return saved, saved.pop(f"cost-{test}")


def large_suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, base_url: str) -> InnerSuite:
    suite = InnerSuite(pytester, monkeypatch, base_url)
    pytester.makepyfile(test_large=LARGE)
    pytester.makeconftest(COST)
    return suite


def replay_offline(suite: InnerSuite, server: OpenAICompatibleServer) -> None:
    server.stop()
    suite.pytester.makeconftest(COST + NO_SOCKETS)


def growth(cost: dict[str, float]) -> float:
    """MiB the process's peak memory rose by during the test."""
    return cost["peak_mib"] - cost["before_mib"]


def figures(what: str, cost: dict[str, float], body_mib: float | None = None) -> str:
    """One line for the report (shown with -rP): time, peak memory, and its rise as a multiple of the body."""
    ratio = f", {growth(cost) / body_mib:.1f}x the body" if body_mib else ""
    return (
        f"{what}: {cost['seconds']:.2f} s, peak {cost['peak_mib']:.1f} MiB "
        f"(+{growth(cost):.1f} MiB during the test{ratio})"
    )


@needs_proc
def test_a_20000_event_stream_records_and_replays_chunk_for_chunk(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, fast_server: OpenAICompatibleServer
) -> None:
    suite = large_suite(pytester, monkeypatch, fast_server.base_url)

    live, recording_cost = run_alone(suite, "test_long_stream", "--llm-record=record-missing")

    assert len(live["stream"]) == STREAM_EVENTS
    (document,) = suite.documents().values()
    assert len(document["response"]["body"]) == STREAM_EVENTS
    assert document["response"]["stream"]["terminator"] == "[DONE]"
    replay_offline(suite, fast_server)

    replayed, replay_cost = run_alone(suite, "test_long_stream")

    assert replayed["stream"] == live["stream"]
    print(figures(f"record {STREAM_EVENTS} events", recording_cost))
    print(figures(f"replay {STREAM_EVENTS} events", replay_cost))
    # Bounds far above what is measured (about 4 s and 80 MiB) that a quadratic step would cross.
    for cost in (recording_cost, replay_cost):
        assert cost["seconds"] < 30 and growth(cost) < 300, cost


@needs_proc
def test_a_20_mib_body_records_and_replays_byte_for_byte(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, fast_server: OpenAICompatibleServer
) -> None:
    suite = large_suite(pytester, monkeypatch, fast_server.base_url)
    body = suite.out / "body.bin"

    _, recording_cost = run_alone(suite, "test_large_body", "--llm-record=record-missing")

    live = body.read_bytes()
    assert len(live) == BODY_BYTES
    (document,) = suite.documents().values()
    assert (document["response"]["format"], document["response"]["size"]) == ("base64", BODY_BYTES)
    body.unlink()
    replay_offline(suite, fast_server)

    _, replay_cost = run_alone(suite, "test_large_body")

    assert body.read_bytes() == live
    body_mib = BODY_BYTES / 2**20
    print(figures(f"record {BODY_BYTES} bytes", recording_cost, body_mib))
    print(figures(f"replay {BODY_BYTES} bytes", replay_cost, body_mib))
    # Bounds above what is measured (about 6 times the body) that a copy per chunk would cross.
    for cost in (recording_cost, replay_cost):
        assert cost["seconds"] < 20 and growth(cost) < 10 * body_mib, cost
