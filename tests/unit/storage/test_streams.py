import time

import orjson

from pytest_llmrec.storage.streams import (
    FrameRewriter,
    SseEvent,
    parse_ndjson,
    parse_sse,
    render_ndjson,
    render_sse,
)


def test_openai_sse_round_trip_keeps_events_and_done():
    body = b'data: {"a":1}\n\n: keep-alive comment\n\ndata: {"a":2}\r\n\r\ndata: [DONE]\n\n'
    events, terminator = parse_sse(body)
    assert events == [SseEvent({"a": 1}), SseEvent({"a": 2})]
    assert terminator == "[DONE]"
    assert render_sse(events, terminator) == [b'data: {"a":1}\n\n', b'data: {"a":2}\n\n', b"data: [DONE]\n\n"]


def test_named_events_and_multiline_data():
    body = b'event: message_start\ndata: {"type":\n' + b'data: "message_start"}\n\nevent: ping\ndata: hi\n\n'
    events, terminator = parse_sse(body)
    assert events == [SseEvent({"type": "message_start"}, "message_start"), SseEvent("hi", "ping")]
    assert terminator is None
    assert render_sse(events, None)[1] == b"event: ping\ndata: hi\n\n"


def test_ndjson_round_trip():
    items = parse_ndjson(b'{"done": false}\n{"done": true}\n')
    assert items == [{"done": False}, {"done": True}]
    assert render_ndjson(items) == [b'{"done":false}\n', b'{"done":true}\n']


def _upper_ids(data: bytes) -> bytes:
    return data.replace(b"live", b"LIVE")


def test_frame_rewriter_rewrites_whole_sse_events_however_the_chunks_split_them():
    body = b'event: a\ndata: {"id":"live"}\n\r\n: comment\n\ndata: {"id":"live2"}\n\ndata: [DONE]\n\n'
    for size in (1, 3, 7, len(body)):
        rewriter = FrameRewriter(True, _upper_ids)
        assert _fed(rewriter, body, size) == body.replace(b"live", b"LIVE"), size


def _fed(rewriter: FrameRewriter, body: bytes, size: int) -> bytes:
    return b"".join(rewriter.feed(body[i : i + size]) for i in range(0, len(body), size)) + rewriter.finish()


def test_frame_rewriter_finds_every_kind_of_frame_end_split_across_chunks_at_any_byte():
    body = b'data: {"id":"live"}\r\n\r\ndata: {"id":"live"}\n\r\ndata: {"id":"live"}\r\n\ndata: [DONE]\n\n'
    for size in range(1, len(body) + 1):
        assert _fed(FrameRewriter(True, _upper_ids), body, size) == body.replace(b"live", b"LIVE"), size
    lines = b'{"a":"live"}\n\n{"b":"live"}\n'
    for size in range(1, len(lines) + 1):
        assert _fed(FrameRewriter(False, _upper_ids), lines, size) == lines.replace(b"live", b"LIVE"), size


def test_frame_rewriter_gathers_a_20_mib_event_from_64_kib_chunks_in_linear_time():
    body = b'data: {"id":"live","b64":"' + b"A" * (20 * 2**20) + b'"}\n\ndata: [DONE]\n\n'
    start = time.perf_counter()
    out = _fed(FrameRewriter(True, _upper_ids), body, 64 * 2**10)
    # About 0.2 s; joining the pending bytes on every chunk, as before, took 26 s.
    assert time.perf_counter() - start < 5
    assert out == body.replace(b"live", b"LIVE", 1)


def test_frame_rewriter_sends_each_event_as_soon_as_it_is_complete():
    rewriter = FrameRewriter(True, _upper_ids)
    assert rewriter.feed(b'data: {"id":"li') == b""
    assert rewriter.feed(b've"}\n\ndata: {"id"') == b'data: {"id":"LIVE"}\n\n'
    assert rewriter.finish() == b'data: {"id"'  # an unfinished event is passed on as it came


def _stable_ids(data: bytes) -> bytes:
    """Like the real rewriter: passes what is not JSON, writes JSON compact only when it changed it."""
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError:
        return data
    if value.get("id") != "live":
        return data
    return orjson.dumps({**value, "id": "rec-1"})


def test_frame_rewriter_rewrites_json_data_spread_over_several_lines_as_one_document():
    body = b'event: chunk\ndata: {"id":\ndata: "live", "n": 1}\r\n\r\ndata: {"id":\ndata: "other"}\n\n'
    out = _fed(FrameRewriter(True, _stable_ids), body, 5)
    assert out == b'event: chunk\ndata: {"id":"rec-1","n":1}\r\n\r\ndata: {"id":\ndata: "other"}\n\n'
    events, _ = parse_sse(out)
    assert events == [SseEvent({"id": "rec-1", "n": 1}, "chunk"), SseEvent({"id": "other"})]
    crlf = b'data: {"id":\r\ndata: "live"}\r\nid: 7\r\n\r\n'
    assert _fed(FrameRewriter(True, _stable_ids), crlf, 3) == b'data: {"id":"rec-1"}\r\nid: 7\r\n\r\n'


def test_frame_rewriter_on_ndjson_lines():
    rewriter = FrameRewriter(False, _upper_ids)
    out = rewriter.feed(b'{"a":"live"}\n{"b":') + rewriter.feed(b'"live"}\n') + rewriter.finish()
    assert out == b'{"a":"LIVE"}\n{"b":"LIVE"}\n'


def _decoded(chunks: list[bytes]) -> list[tuple[str | None, str]]:
    """(event name, data) as an SSE client dispatches them: data lines joined with a newline."""
    out = []
    for block in b"".join(chunks).decode().split("\n\n"):
        lines = [line.partition(":") for line in block.split("\n") if line]
        names = [value.removeprefix(" ") for field, _, value in lines if field == "event"]
        data = [value.removeprefix(" ") for field, _, value in lines if field == "data"]
        if data:
            out.append((names[-1] if names else None, "\n".join(data)))
    return out


def test_text_data_of_several_lines_replays_as_the_same_lines():
    body = b"event: note\ndata: first line\ndata: second line\n\ndata: a\ndata:\ndata: c\n\ndata: end\ndata: \n\n"
    events, terminator = parse_sse(body)
    assert events == [SseEvent("first line\nsecond line", "note"), SseEvent("a\n\nc"), SseEvent("end\n")]
    chunks = render_sse(events, terminator)
    assert chunks == [
        b"event: note\ndata: first line\ndata: second line\n\n",
        b"data: a\ndata: \ndata: c\n\n",
        b"data: end\ndata: \n\n",
    ]
    expected = [("note", "first line\nsecond line"), (None, "a\n\nc"), (None, "end\n")]
    assert _decoded(chunks) == _decoded([body]) == expected
    assert parse_sse(b"".join(chunks)) == (events, None)
