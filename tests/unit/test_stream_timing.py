"""``--llm-stream-timing``: its values read, refused with a suggestion, and the chunks sent on time."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from pathlib import Path

import pytest

from pytest_llmrec.errors import ConfigError
from pytest_llmrec.options import read_options
from pytest_llmrec.storage.codec import ReplayResponse, StoredResponse
from pytest_llmrec.stream_timing import (
    AT_ONCE,
    StreamTiming,
    achunks_at,
    chunks_at,
    paced,
    parse_stream_timing,
    schedule,
)

VALID = "must be instant, recorded or xN (N times as fast as recorded, N > 0: x2, x0.5)"


@pytest.mark.parametrize(
    ("text", "speed", "shown"),
    [
        ("instant", None, "instant"),
        (" Recorded ", 1.0, "recorded"),
        ("x2", 2.0, "x2"),
        ("x0.5", 0.5, "x0.5"),
        ("X.25", 0.25, "x0.25"),
        ("x1", 1.0, "recorded"),
    ],
)
def test_valid_timings(text: str, speed: float | None, shown: str) -> None:
    timing = parse_stream_timing(text, "--llm-stream-timing")
    assert timing.speed == speed
    assert str(timing) == shown


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("recorderd", " (did you mean 'recorded'?)"),
        ("instnat", " (did you mean 'instant'?)"),
        ("2x", " (did you mean 'x2'?)"),
        ("0.5", " (did you mean 'x0.5'?)"),
        ("x0", ""),
        ("x-1", ""),
        ("fast", ""),
    ],
)
def test_a_bad_timing_says_what_is_valid_and_what_was_meant(text: str, hint: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_stream_timing(text, "ini option llm_stream_timing")
    assert str(raised.value) == f"ini option llm_stream_timing {VALID}, not {text!r}{hint}"


def test_the_command_line_beats_the_ini_file() -> None:
    def read(cli: dict[str, str], ini: dict[str, str]) -> StreamTiming:
        return read_options(cli, ini, {}, invocation_dir=Path("/p"), ini_dir=Path("/p")).stream_timing

    assert read({}, {}) is AT_ONCE
    assert read({}, {"llm_stream_timing": "recorded"}) == StreamTiming(1.0)
    assert read({"llm_stream_timing": "x4"}, {"llm_stream_timing": "recorded"}) == StreamTiming(4.0)
    with pytest.raises(ConfigError, match=r"^--llm-stream-timing must be"):
        read({"llm_stream_timing": "slow"}, {})


def test_the_schedule_scales_the_offsets_and_sends_the_terminator_with_the_last_event() -> None:
    offsets = (0, 100, 300)
    assert schedule(offsets, 4, StreamTiming(1.0)) == (0.0, 0.1, 0.3, 0.3)
    assert schedule(offsets, 3, StreamTiming(2.0)) == (0.0, 0.05, 0.15)
    assert schedule(offsets, 3, StreamTiming(0.5)) == (0.0, 0.2, 0.6)
    assert schedule(offsets, 3, AT_ONCE) is None
    assert schedule(None, 3, StreamTiming(1.0)) is None  # recorded before offsets: at once
    assert schedule(offsets, 2, StreamTiming(1.0)) is None  # chunks that are not the events


def test_the_first_byte_wait_comes_before_every_event() -> None:
    assert schedule((0, 100), 3, StreamTiming(1.0), first_byte_ms=500) == (0.5, 0.6, 0.6)
    assert schedule((0, 100), 2, StreamTiming(2.0), first_byte_ms=500) == (0.25, 0.3)


def test_paced_leaves_a_replay_without_offsets_as_it_was() -> None:
    replay = ReplayResponse(200, [], [b"a", b"b"])
    stream = StoredResponse(200, "sse", [{}, {}])
    assert paced(replay, stream, StreamTiming(1.0)) is replay
    timed = dataclasses.replace(stream, offsets_ms=(0, 50), first_byte_ms=20)
    assert paced(replay, timed, StreamTiming(1.0)).at == (0.02, 0.07)
    assert paced(replay, timed, AT_ONCE) is replay


def test_sync_chunks_come_at_their_time() -> None:
    start = time.monotonic()
    arrivals = [(chunk, time.monotonic() - start) for chunk in chunks_at([b"a", b"b", b"c"], (0.0, 0.1, 0.2))]
    assert [chunk for chunk, _ in arrivals] == [b"a", b"b", b"c"]
    assert arrivals[0][1] < 0.05 and 0.1 <= arrivals[1][1] < 0.2 and 0.2 <= arrivals[2][1] < 0.4


def test_async_chunks_come_at_their_time_without_blocking_the_loop() -> None:
    async def main() -> tuple[list[float], int]:
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        ticker = asyncio.create_task(tick())
        start = time.monotonic()
        arrivals = [time.monotonic() - start async for _ in achunks_at([b"a", b"b"], (0.0, 0.2))]
        ticker.cancel()
        return arrivals, ticks

    arrivals, ticks = asyncio.run(main())
    assert arrivals[0] < 0.05 and 0.2 <= arrivals[1] < 0.4
    assert ticks >= 5  # the loop ran other tasks while the stream waited
