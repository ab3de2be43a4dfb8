"""End to end: streams recorded from a server that spaces its events 100 ms apart, replayed at once,
at the recorded pace and scaled (``--llm-stream-timing``), through the openai SDK, httpx and requests."""

from __future__ import annotations

import itertools
import json
import textwrap
from typing import Any

import pytest

from fakes.inner_suite import NO_SOCKETS, InnerSuite
from fakes.llm_server import OpenAICompatibleServer
from fakes.ollama_server import OllamaServer

GAP = 0.1  # seconds between two events, as the server sends them
# "The Latin name of the Sun is Sol.": the opening delta, one event per word, the finish_reason.
EVENTS = 10
SPAN = (EVENTS - 1) * GAP  # from the first event to the last

SUITE = textwrap.dedent(
    """
    import asyncio, json, os, pathlib, time
    import httpx, openai, pytest  # openai 3.x sends through httpx2: both transports are timed

    BASE = os.environ["LLMREC_TEST_BASE_URL"]
    SUN = [{"role": "user", "content": "What's the name of the Sun in latin?"}]
    BODY = {"model": "gpt-4o-mini", "messages": SUN, "stream": True}

    def save(name, start, arrivals, **more):
        out = pathlib.Path(os.environ["LLMREC_TEST_OUT"])
        out.mkdir(exist_ok=True)
        times = {
            "elapsed": arrivals[-1] - start,  # from the request to the last event
            "first": arrivals[0] - start,  # from the request to the first event
            "stream": arrivals[-1] - arrivals[0],  # from the first event to the last
        }
        (out / f"{name}.json").write_text(json.dumps({**times, "arrivals": arrivals, **more}))

    @pytest.mark.llm_recording
    def test_sdk_sync():
        client = openai.OpenAI(base_url=BASE, api_key="test", max_retries=0)
        start = time.monotonic()
        stream = client.chat.completions.create(model="gpt-4o-mini", messages=SUN, stream=True)
        save("sdk_sync", start, [time.monotonic() for _ in stream])

    @pytest.mark.llm_recording
    def test_sdk_async():
        async def main():
            ticks = 0
            async def tick():
                nonlocal ticks
                while True:
                    await asyncio.sleep(0.02)
                    ticks += 1
            ticker = asyncio.create_task(tick())
            client = openai.AsyncOpenAI(base_url=BASE, api_key="test", max_retries=0)
            start = time.monotonic()
            stream = await client.chat.completions.create(model="gpt-4o-mini", messages=SUN, stream=True)
            arrivals = [time.monotonic() async for _ in stream]
            ticker.cancel()
            save("sdk_async", start, arrivals, ticks=ticks)
        asyncio.run(main())

    @pytest.mark.llm_recording(name="raw")
    def test_httpx_async():
        async def main():
            async with httpx.AsyncClient() as client:
                start = time.monotonic()
                async with client.stream("POST", BASE + "/chat/completions", json=BODY) as response:
                    arrivals = [time.monotonic() async for line in response.aiter_lines() if line]
            save("httpx_async", start, arrivals)
        asyncio.run(main())

    @pytest.mark.llm_recording(name="raw")
    def test_requests_replays_the_httpx_recording():
        import requests
        start = time.monotonic()
        response = requests.post(BASE + "/chat/completions", json=BODY, stream=True)
        save("requests", start, [time.monotonic() for line in response.iter_lines() if line])

    @pytest.mark.llm_recording(name="raw")
    def test_aiohttp_replays_the_httpx_recording():
        import aiohttp
        async def main():
            async with aiohttp.ClientSession() as session:
                start = time.monotonic()
                async with session.post(BASE + "/chat/completions", json=BODY) as response:
                    arrivals = [time.monotonic() async for line in response.content if line.strip()]
            save("aiohttp", start, arrivals)
        asyncio.run(main())
    """
)
TESTS = 5
NOT_VCR_STUBS = ("-k", "not requests and not aiohttp")  # replay only: they would record without offsets


@pytest.fixture
def paced_server() -> Any:
    with OpenAICompatibleServer(event_delay=GAP) as server:
        yield server


@pytest.fixture
def suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, paced_server: Any) -> InnerSuite:
    inner = InnerSuite(pytester, monkeypatch, paced_server.base_url)
    pytester.makepyfile(test_suite=SUITE)
    return inner


def _run(suite: InnerSuite, *args: str) -> pytest.RunResult:
    return suite.run("-p", "no:randomly", *args)


def _offsets(suite: InnerSuite, test: str) -> list[int]:
    (document,) = suite.documents(test).values()
    offsets: list[int] = document["response"]["event_offsets_ms"]
    assert len(offsets) == len(document["response"]["body"])
    return offsets


def test_streams_replay_at_once_at_the_recorded_pace_or_scaled(suite: InnerSuite) -> None:
    _run(suite, "--llm-record=record-missing", *NOT_VCR_STUBS).assert_outcomes(passed=TESTS - 2, deselected=2)
    for test in ("test_sdk_sync", "test_sdk_async"):
        offsets = _offsets(suite, test)
        assert len(offsets) == EVENTS
        assert all(abs(offset - 100 * i) <= 150 for i, offset in enumerate(offsets)), offsets
        assert all(offset % 10 == 0 for offset in offsets)
    (raw,) = [doc for path, doc in suite.documents().items() if path.parts[0] == "raw"]
    assert len(raw["response"]["event_offsets_ms"]) == EVENTS
    suite.pytester.makeconftest(NO_SOCKETS)

    _run(suite).assert_outcomes(passed=TESTS)  # the default: instant
    instant = suite.results()
    for name in ("sdk_sync", "sdk_async", "httpx_async", "requests", "aiohttp"):
        assert instant[name]["stream"] < GAP / 2, (name, instant[name])

    _run(suite, "--llm-stream-timing=recorded").assert_outcomes(passed=TESTS)
    recorded = suite.results()
    for name in ("sdk_sync", "sdk_async", "httpx_async", "requests"):
        assert 0.8 * SPAN <= recorded[name]["elapsed"] < SPAN + 1.0, (name, recorded[name])
    for name in ("sdk_sync", "sdk_async", "httpx_async"):  # one event at a time, not all at the end
        assert 0.8 * SPAN <= recorded[name]["stream"] < SPAN + 1.0, (name, recorded[name])
        arrivals = recorded[name]["arrivals"]
        gaps = [later - earlier for earlier, later in itertools.pairwise(arrivals)]
        assert sum(gap >= 0.5 * GAP for gap in gaps) >= EVENTS - 4, (name, gaps)  # a stall may bunch two
    assert recorded["requests"]["stream"] < GAP / 2  # its VCR.py stub hands the body whole, at the end
    assert recorded["aiohttp"]["elapsed"] < SPAN / 3  # at once: waiting in its stub would block the loop
    assert recorded["sdk_async"]["ticks"] >= 0.5 * SPAN / 0.02  # the event loop ran while it waited

    _run(suite, "--llm-stream-timing=x2").assert_outcomes(passed=TESTS)
    doubled = suite.results()
    for name in ("sdk_sync", "sdk_async", "httpx_async", "requests"):
        assert doubled[name]["elapsed"] >= 0.8 * SPAN / 2, (name, doubled[name])
        # From the first event to the last, without the run's first request's set-up (the SDK's).
        spread = doubled[name]["elapsed" if name == "requests" else "stream"]
        assert spread < 0.8 * SPAN, (name, doubled[name])


def test_the_ini_option_sets_the_pace(suite: InnerSuite) -> None:
    _run(suite, "--llm-record=record-missing", "-k", "sdk_sync").assert_outcomes(passed=1, deselected=4)
    suite.pytester.makeini("[pytest]\nllm_stream_timing = x0.5\n")

    _run(suite, "-k", "sdk_sync").assert_outcomes(passed=1, deselected=4)

    assert 0.8 * SPAN * 2 <= suite.results()["sdk_sync"]["elapsed"] < SPAN * 2 + 1.0
    _run(suite, "-k", "sdk_sync", "--llm-stream-timing=instant").assert_outcomes(passed=1, deselected=4)
    assert suite.results()["sdk_sync"]["stream"] < GAP / 2


def test_a_rewrite_at_about_the_same_pace_changes_no_byte(suite: InnerSuite, paced_server: Any) -> None:
    _run(suite, "--llm-record=record-missing", "-k", "sdk_sync").assert_outcomes(passed=1, deselected=4)
    before = suite.recordings()
    paced_server.event_delay = GAP * 1.1

    rewritten = _run(suite, "--llm-record=rewrite", "-k", "sdk_sync")

    rewritten.assert_outcomes(passed=1, deselected=4)
    assert suite.recordings() == before
    assert "1 recorded, 0 file(s) written, 1 unchanged;" in rewritten.stdout.str()
    paced_server.event_delay = GAP * 2  # a material change: twice as slow

    slower = _run(suite, "--llm-record=rewrite", "-k", "sdk_sync")

    slower.assert_outcomes(passed=1, deselected=4)
    assert "1 recorded, 1 file(s) written;" in slower.stdout.str()
    offsets = _offsets(suite, "test_sdk_sync")
    assert offsets[-1] >= 0.8 * 2 * GAP * 1000 * (EVENTS - 1), offsets  # the new, slower pace
    (path,) = before
    old, new = json.loads(before[path]), json.loads(suite.recordings()[path])
    for document in (old, new):
        del document["response"]["event_offsets_ms"], document["response"]["first_byte_ms"]
        del document["id_normalization_mapping"], document["provenance"]  # new content, new time
    assert old == new  # only the timing changed (and the real ids and when it was recorded)


def test_a_stream_requests_records_has_no_offsets_and_replays_at_once(suite: InnerSuite) -> None:
    """VCR.py's requests stub reads a live body whole before the client sees it: no pace to keep."""
    _run(suite, "--llm-record=record-missing", "-k", "requests").assert_outcomes(passed=1, deselected=4)
    (document,) = suite.documents().values()
    assert document["response"]["format"] == "sse"
    assert "event_offsets_ms" not in document["response"]

    _run(suite, "-k", "requests", "--llm-stream-timing=recorded").assert_outcomes(passed=1, deselected=4)

    assert suite.results()["requests"]["elapsed"] < SPAN / 3  # at once, not over the stream's span


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("recorderd", "not 'recorderd' (did you mean 'recorded'?)"),
        ("2x", "not '2x' (did you mean 'x2'?)"),
        ("x0", "not 'x0'"),
    ],
)
def test_a_bad_timing_stops_the_run_naming_the_valid_ones(
    suite: InnerSuite, given: str, message: str
) -> None:
    result = _run(suite, f"--llm-stream-timing={given}")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            f"*--llm-stream-timing must be instant, recorded or xN (N times as fast as recorded, N > 0: x2, x0.5), {message}*"
        ]
    )


def test_the_wait_for_the_first_token_is_replayed_too(suite: InnerSuite, paced_server: Any) -> None:
    paced_server.first_event_delay = 0.5  # headers at once, then half a second to the first event
    _run(suite, "--llm-record=record-missing", "-k", "sdk_sync").assert_outcomes(passed=1, deselected=4)
    (document,) = suite.documents("test_sdk_sync").values()
    assert 450 <= document["response"]["first_byte_ms"] <= 700
    assert suite.results()["sdk_sync"]["first"] >= 0.5
    suite.pytester.makeconftest(NO_SOCKETS)

    _run(suite, "-k", "sdk_sync", "--llm-stream-timing=recorded").assert_outcomes(passed=1, deselected=4)
    recorded = suite.results()["sdk_sync"]
    _run(suite, "-k", "sdk_sync", "--llm-stream-timing=x2").assert_outcomes(passed=1, deselected=4)
    doubled = suite.results()["sdk_sync"]

    assert recorded["first"] >= 0.8 * 0.5 and recorded["elapsed"] >= 0.8 * (0.5 + SPAN), recorded
    assert doubled["first"] >= 0.8 * 0.25 and doubled["stream"] < recorded["stream"], doubled


NDJSON_SUITE = textwrap.dedent(
    """
    import json, os, pathlib, time
    import httpx, pytest

    @pytest.mark.llm_recording
    def test_ollama_chat_stream():
        body = {"model": "llama3.2:3b", "messages": [{"role": "user", "content": "Hello llama"}]}
        with httpx.Client() as client:
            start = time.monotonic()
            with client.stream("POST", os.environ["LLMREC_TEST_BASE_URL"] + "/api/chat", json=body) as response:
                arrivals = [time.monotonic() - start for line in response.iter_lines() if line]
        out = pathlib.Path(os.environ["LLMREC_TEST_OUT"])
        out.mkdir(exist_ok=True)
        (out / "ndjson.json").write_text(json.dumps(arrivals))
    """
)


def test_an_ndjson_stream_keeps_its_pace(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    with OllamaServer(event_delay=GAP) as server:
        suite = InnerSuite(pytester, monkeypatch, server.base_url)
        pytester.makepyfile(test_ndjson=NDJSON_SUITE)
        _run(suite, "--llm-record=record-missing").assert_outcomes(passed=1)
    (document,) = suite.documents().values()
    assert document["response"]["format"] == "ndjson"
    offsets = document["response"]["event_offsets_ms"]
    assert len(offsets) == 4  # "Echo: Hello llama" in three pieces, then the closing object
    assert all(abs(offset - 100 * i) <= 150 for i, offset in enumerate(offsets)), offsets
    suite.pytester.makeconftest(NO_SOCKETS)

    _run(suite, "--llm-stream-timing=recorded").assert_outcomes(passed=1)

    arrivals = suite.results()["ndjson"]
    assert 0.8 * 3 * GAP <= arrivals[-1] - arrivals[0] < 3 * GAP + 1.0, arrivals
