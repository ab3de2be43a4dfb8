"""A stream's pace: when each event of a live stream arrived, kept in its recording without noise.

A recorded stream (SSE or NDJSON) keeps ``response.event_offsets_ms``: one whole number of
milliseconds per event of ``response.body``, from the stream's first byte to the arrival of the
event's last byte, and ``response.first_byte_ms``: from the request going out to that first byte
(the wait for a model's first token), both rounded to 10 ms. ``--llm-stream-timing`` replays the
stream at that pace.

Timing jitters on every call, so a re-record must not rewrite the timing each time. The rule:
when ``rewrite`` replaces a file whose offsets are as many as the new ones, and every new offset,
and the first byte's wait, is within max(500 ms, 25 %) of the old one, the old timing is kept. A
rewrite of the same answer at about the same pace then writes the same bytes (the summary counts it
unchanged); only a material change of pace, or another number of events, writes new timing. A file
recorded before offsets existed reads as before (no offsets: replayed at once) and gains them on
its first rewrite.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import orjson

from pytest_llmrec.storage import codec, streams, validate

FIELD = "event_offsets_ms"
FIRST_BYTE = "first_byte_ms"
ROUND_MS = 10
TOLERANCE_MS = 500  # a loaded CI runner stalls a process for a few hundred ms: that is not a new pace
TOLERANCE_SHARE = 0.25
_SSE_END = re.compile(rb"\r?\n\r?\n")  # as streams.FrameRewriter cuts frames
_LINE_END = re.compile(rb"\n")


class Clock:
    """When a live body's pieces passed through the take: the first byte in, and each piece out."""

    def __init__(self, asked: float | None = None, now: Callable[[], float] = time.monotonic) -> None:
        self._now = now
        self.asked = asked  # when the request went out
        self.start: float | None = None  # when the first byte of the body came
        self.marks: list[tuple[int, float]] = []  # (bytes passed on so far, when)
        self._passed = 0

    def came(self, chunk: bytes) -> None:
        if self.start is None and chunk:
            self.start = self._now()

    def passed(self, out: bytes) -> None:
        if out:
            self._passed += len(out)
            self.marks.append((self._passed, self._now()))


def rounded(seconds: float) -> int:
    return round(seconds * 1000 / ROUND_MS) * ROUND_MS


def offsets(clock: Clock, body: bytes, sse: bool, events: int) -> tuple[int, ...] | None:
    """Each event's offset in ms, or None when the body's frames are not the ``events`` stored (a
    framing read otherwise), so a recording never claims a pace that was not measured."""
    if clock.start is None:
        return None
    ends = frame_ends(body, sse)
    if len(ends) != events:
        return None
    found, at, marks = [], 0, clock.marks
    for end in ends:
        while at < len(marks) and marks[at][0] < end:
            at += 1
        if at == len(marks):
            return None
        found.append(max(0, rounded(marks[at][1] - clock.start)))
    return tuple(found)


def first_byte(clock: Clock) -> int | None:
    """Milliseconds from the request to the body's first byte, if both were seen."""
    if clock.asked is None or clock.start is None:
        return None
    return max(0, rounded(clock.start - clock.asked))


def frame_ends(body: bytes, sse: bool) -> list[int]:
    """Where each frame that holds an event ends in the body (comments and ``[DONE]`` hold none)."""
    ends, start = [], 0
    for match in (_SSE_END if sse else _LINE_END).finditer(body):
        if _is_event(body[start : match.start()], sse):
            ends.append(match.end())
        start = match.end()
    if _is_event(body[start:], sse):
        ends.append(len(body))
    return ends


def _is_event(frame: bytes, sse: bool) -> bool:
    """Whether ``streams.parse_sse`` reads an event from the frame: a ``data:`` or ``event:`` field,
    other than the ``[DONE]`` terminator. Checked on the bytes, without parsing the JSON."""
    if not sse:
        return bool(frame.strip())
    if frame.startswith((b"data: {", b"data:{")):
        return True  # the common case, at once
    named, data = False, []
    for line in frame.replace(b"\r\n", b"\n").split(b"\n"):
        field, _, value = line.partition(b":")
        if not line or not field:
            continue  # an empty line or a comment
        if field == b"event":
            named = True
        elif field == b"data":
            data.append(value[1:] if value[:1] == b" " else value)
    return named or (bool(data) and b"\n".join(data) != streams.SSE_DONE.encode())


def read(
    reader: validate.Reader, response: dict[str, Any], stored: codec.StoredResponse
) -> tuple[int, ...] | None:
    """A file's offsets, checked: one per event, whole milliseconds that never decrease."""
    if FIELD not in response:
        return None
    where, value = f"response.{FIELD}", response[FIELD]
    if not stored.is_streaming:
        raise reader.fail(
            where, f"only a stream (sse or ndjson) has event offsets, and format is {stored.format}"
        )
    if not isinstance(value, list):
        raise reader.fail(where, f"expected a list of milliseconds, one per event, got {_describe(value)}")
    if len(value) != len(stored.body):
        raise reader.fail(
            where, f"holds {len(value)} offset(s) for the {len(stored.body)} event(s) of response.body"
        )
    previous = 0
    for index, offset in enumerate(value):
        if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
            raise reader.fail(
                f"{where}[{index}]",
                f"expected a whole number of milliseconds, 0 or more, got {_describe(offset)}",
            )
        if offset < previous:
            raise reader.fail(
                f"{where}[{index}]",
                f"{offset} comes before the offset ahead of it ({previous}): offsets never decrease",
            )
        previous = offset
    return tuple(value)


def read_first_byte(reader: validate.Reader, response: dict[str, Any]) -> int | None:
    """A file's wait for the first byte, checked: whole milliseconds, beside the event offsets."""
    if FIRST_BYTE not in response:
        return None
    where, value = f"response.{FIRST_BYTE}", response[FIRST_BYTE]
    if FIELD not in response:
        raise reader.fail(where, f"only a stream with response.{FIELD} has a first byte to wait for")
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise reader.fail(
            where, f"expected a whole number of milliseconds, 0 or more, got {_describe(value)}"
        )
    return value


def _describe(value: Any) -> str:
    return "null" if value is None else f"{type(value).__name__} {orjson.dumps(value).decode()[:60]}"


def same_pace(old: list[int], new: list[int]) -> bool:
    """The rule of the module's docstring: as many events, each within max(500 ms, 25 %) of the old."""
    return len(old) == len(new) and all(
        abs(n - o) <= max(TOLERANCE_MS, TOLERANCE_SHARE * o) for o, n in zip(old, new, strict=True)
    )


def settled(existing: Any, document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with the timing of ``existing`` (the file it replaces) where the pace is the same."""
    old, new = _timing_of(existing), _timing_of(document)
    if old is None or new is None or old == new or not same_pace(old, new):
        return document
    kept = {name: existing["response"][name] for name in (FIELD, FIRST_BYTE) if name in existing["response"]}
    return {**document, "response": {**document["response"], **kept}}


def _timing_of(document: Any) -> list[int] | None:
    """The offsets, and the first byte's wait after them if given: compared by one rule."""
    offsets = _offsets_of(document)
    if offsets is None:
        return None
    wait = document["response"].get(FIRST_BYTE)
    return [*offsets, wait] if isinstance(wait, int) and not isinstance(wait, bool) else offsets


def _offsets_of(document: Any) -> list[int] | None:
    response = document.get("response") if isinstance(document, dict) else None
    value = response.get(FIELD) if isinstance(response, dict) else None
    if isinstance(value, list) and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        return value
    return None
