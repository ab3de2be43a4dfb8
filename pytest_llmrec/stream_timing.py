"""``--llm-stream-timing``: replay a recorded stream at once, at its recorded pace, or N times as fast.

Recordings keep each stream event's offset from the first byte (``storage/pace.py``). By default
(``instant``) a replayed stream is sent at once, as fast as the client reads. ``recorded`` sends
each event when its offset has passed since the body began, so tests of time-to-first-token,
timeouts and progress UIs see the pace they would see live; ``xN`` does so N times as fast (``x2``
halves every delay, ``x0.5`` doubles it). Sync clients sleep, async ones ``await asyncio.sleep``,
so a paced stream never blocks the event loop. A recording without offsets is sent at once.
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
import re
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

from pytest_llmrec.errors import ConfigError, did_you_mean
from pytest_llmrec.storage.codec import ReplayResponse, StoredResponse

INSTANT, RECORDED = "instant", "recorded"
_SCALED = re.compile(r"x(\d+(?:\.\d*)?|\.\d+)")
_SWAPPED = re.compile(r"(\d+(?:\.\d*)?|\.\d+)x?")  # "2x" or "2": meant x2


@dataclass(frozen=True)
class StreamTiming:
    """How fast replayed streams go: ``speed`` times the recorded pace; None sends them at once."""

    speed: float | None = None

    def __str__(self) -> str:
        if self.speed is None:
            return INSTANT
        return RECORDED if self.speed == 1 else f"x{self.speed:g}"


AT_ONCE = StreamTiming()  # the default: replayed streams are not paced


def parse_stream_timing(value: object, where: str) -> StreamTiming:
    """``instant``, ``recorded`` or ``xN`` (N > 0 times as fast as recorded); ``where`` names the source."""
    text = str(value).strip().lower()
    if text == INSTANT:
        return AT_ONCE
    if text == RECORDED:
        return StreamTiming(1.0)
    scaled = _SCALED.fullmatch(text)
    if scaled and float(scaled[1]) > 0 and math.isfinite(float(scaled[1])):
        return StreamTiming(float(scaled[1]))
    swapped = _SWAPPED.fullmatch(text)
    hint = f" (did you mean 'x{swapped[1]}'?)" if swapped and float(swapped[1]) > 0 else ""
    raise ConfigError(
        f"{where} must be instant, recorded or xN (N times as fast as recorded, N > 0: x2, x0.5), "
        f"not {value!r}{hint or did_you_mean(text, (INSTANT, RECORDED))}"
    )


def schedule(
    offsets_ms: tuple[int, ...] | None, chunks: int, timing: StreamTiming, first_byte_ms: int | None = None
) -> tuple[float, ...] | None:
    """Seconds after the body is asked for at which each chunk goes out, or None: all at once.

    One chunk per event, each once the first byte's wait and its offset have passed; a chunk past
    the events (the ``[DONE]`` terminator) goes with the last.
    """
    if timing.speed is None or not offsets_ms or chunks < len(offsets_ms):
        return None
    at = [((first_byte_ms or 0) + offset) / 1000 / timing.speed for offset in offsets_ms]
    return tuple(at + [at[-1]] * (chunks - len(at)))


def paced(replay: ReplayResponse, recorded: StoredResponse, timing: StreamTiming) -> ReplayResponse:
    """The replay with its chunks scheduled, when the recording has offsets and timing is not instant."""
    at = schedule(recorded.offsets_ms, len(replay.chunks), timing, recorded.first_byte_ms)
    return dataclasses.replace(replay, at=at) if at is not None else replay


def chunks_at(chunks: list[bytes], at: tuple[float, ...] | None) -> Iterator[bytes]:
    """The chunks, each once its time has come (sleeping the thread in between)."""
    start = time.monotonic()
    for index, chunk in enumerate(chunks):
        if at is not None and (wait := start + at[index] - time.monotonic()) > 0:
            time.sleep(wait)
        yield chunk


async def achunks_at(chunks: list[bytes], at: tuple[float, ...] | None) -> AsyncIterator[bytes]:
    """The async twin of ``chunks_at``: awaits ``asyncio.sleep``, so other tasks run meanwhile."""
    start = time.monotonic()
    for index, chunk in enumerate(chunks):
        if at is not None and (wait := start + at[index] - time.monotonic()) > 0:
            await asyncio.sleep(wait)
        yield chunk


def whole_delay(at: tuple[float, ...] | None) -> float:
    """How long a client handed the body whole waits for it: until the last chunk's time."""
    return at[-1] if at else 0.0
