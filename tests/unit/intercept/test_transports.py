"""Our httpx/httpx2 stubs: live streams pass through as they arrive, replayed streams come event by event."""

from __future__ import annotations

import asyncio
import time
import warnings
from pathlib import Path

import openai
import pytest

from fakes.llm_server import OpenAICompatibleServer
from pytest_llmrec.config import RecordingConfig
from pytest_llmrec.errors import RecordingWarning
from pytest_llmrec.intercept.patchers import intercepting
from pytest_llmrec.modes import Mode
from pytest_llmrec.tape import Tape

httpx = pytest.importorskip("httpx2") if openai.__version__.startswith("3.") else pytest.importorskip("httpx")
LONG = [{"role": "user", "content": " ".join(["word"] * 20)}]  # "Echo: word word ...": 21 pieces


def tape(tmp_path: Path, mode: Mode) -> Tape:
    return Tape(RecordingConfig("t.py::test", mode, tmp_path), "t.py::test")


@pytest.fixture
def slow_server():
    with OpenAICompatibleServer(event_delay=0.05) as server:
        yield server


def test_recording_passes_each_event_through_as_it_arrives(tmp_path, slow_server):
    client = openai.OpenAI(base_url=slow_server.base_url, api_key="sk-test", max_retries=0)
    with intercepting(tape(tmp_path, Mode.RECORD_MISSING)) as recording:
        start = time.monotonic()
        stream = client.chat.completions.create(model="m", messages=LONG, stream=True)
        arrivals = [time.monotonic() - start for _ in stream]
    recording.close(passed=True)
    # 23 events 50 ms apart: a buffered stream would hand them all over within a few ms.
    assert len(arrivals) == 23
    assert arrivals[-1] - arrivals[0] > 0.5
    assert len(recording.recorder.written) == 1


def test_a_client_that_stops_reading_early_still_gets_a_whole_recording(tmp_path, openai_server):
    client = openai.OpenAI(base_url=openai_server.base_url, api_key="sk-test", max_retries=0)
    with (
        intercepting(tape(tmp_path, Mode.RECORD_MISSING)) as recording,
        client.chat.completions.create(model="m", messages=LONG, stream=True) as stream,
    ):
        next(iter(stream))
    recording.close(passed=True)
    with intercepting(tape(tmp_path, Mode.REPLAY)):
        replayed = list(client.chat.completions.create(model="m", messages=LONG, stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in replayed) == "Echo: " + LONG[0]["content"]


def test_async_recording_passes_events_through_and_replays_them(tmp_path, slow_server):
    async def collect() -> tuple[list[float], list[str]]:
        client = openai.AsyncOpenAI(base_url=slow_server.base_url, api_key="sk-test", max_retries=0)
        start = time.monotonic()
        stream = await client.chat.completions.create(model="m", messages=LONG, stream=True)
        chunks = [(time.monotonic() - start, c.choices[0].delta.content or "") async for c in stream]
        return [t for t, _ in chunks], [text for _, text in chunks]

    with intercepting(tape(tmp_path, Mode.RECORD_MISSING)) as recording:
        arrivals, live = asyncio.run(collect())
    recording.close(passed=True)
    assert arrivals[-1] - arrivals[0] > 0.5
    slow_server.stop()
    with intercepting(tape(tmp_path, Mode.REPLAY)):
        _, replayed = asyncio.run(collect())
    assert replayed == live


def test_replay_sends_one_chunk_per_event_then_done(tmp_path, openai_server):
    client = openai.OpenAI(base_url=openai_server.base_url, api_key="sk-test", max_retries=0)
    with intercepting(tape(tmp_path, Mode.RECORD_MISSING)) as recording:
        list(client.chat.completions.create(model="m", messages=LONG, stream=True))
    recording.close(passed=True)
    body = {"model": "m", "messages": LONG, "stream": True}
    with (
        intercepting(tape(tmp_path, Mode.REPLAY)),
        httpx.Client() as raw,
        raw.stream("POST", openai_server.base_url + "/chat/completions", json=body) as response,
    ):
        chunks = list(response.iter_raw())
    assert response.headers["content-type"] == "text/event-stream"
    assert len(chunks) == 24 and chunks[-1] == b"data: [DONE]\n\n"
    assert all(chunk.startswith(b"data: {") and chunk.endswith(b"\n\n") for chunk in chunks[:-1])


def test_a_stream_never_read_to_the_end_is_not_recorded_and_says_so(tmp_path, openai_server):
    client = openai.OpenAI(base_url=openai_server.base_url, api_key="sk-test", max_retries=0)
    with intercepting(tape(tmp_path, Mode.RECORD_MISSING)) as recording:
        stream = client.chat.completions.create(model="m", messages=LONG, stream=True)
    with pytest.warns(
        RecordingWarning, match=r"POST .*/chat/completions: the response was not read to the end"
    ):
        recording.close(passed=True)
    stream.close()
    assert recording.recorder.written == []
    assert not list(tmp_path.rglob("*.json"))


def test_a_connection_error_while_recording_reaches_the_client_and_is_not_recorded(tmp_path, openai_server):
    openai_server.stop()
    client = openai.OpenAI(base_url=openai_server.base_url, api_key="sk-test", max_retries=1)
    with (
        intercepting(tape(tmp_path, Mode.RECORD_MISSING)) as recording,
        pytest.raises(openai.APIConnectionError),
    ):
        client.chat.completions.create(model="m", messages=LONG)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "not read to the end" warning either
        recording.close(passed=True)
    assert len(recording.recorder.failed) == 2  # the first attempt and the SDK's retry
    assert recording.recorder.recorded == [] and not list(tmp_path.rglob("*.json"))


def test_requests_from_many_threads_are_each_recorded_once_and_replay_alike(tmp_path, openai_server):
    from concurrent.futures import ThreadPoolExecutor

    client = openai.OpenAI(base_url=openai_server.base_url, api_key="sk-test", max_retries=0)
    prompts = [f"question {n}" for n in range(24)]

    def ask(prompt: str) -> str:
        reply = client.chat.completions.create(model="m", messages=[{"role": "user", "content": prompt}])
        return reply.choices[0].message.content

    recording = tape(tmp_path, Mode.RECORD_MISSING)
    with intercepting(recording), ThreadPoolExecutor(8) as pool:
        live = list(pool.map(ask, prompts))
    recording.close(passed=True)
    assert len(recording.recorder.written) == 24 == len(list(tmp_path.rglob("*.json")))

    openai_server.stop()
    with intercepting(tape(tmp_path, Mode.REPLAY)), ThreadPoolExecutor(8) as pool:
        assert list(pool.map(ask, prompts)) == live == [f"Echo: {p}" for p in prompts]
