from pytest_llmrec.streams import SseEvent, parse_ndjson, parse_sse, render_ndjson, render_sse


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
