import gzip
import zlib

import orjson
import pytest

from pytest_llmrec.ids import IdMap
from pytest_llmrec.storage import codec, sdk_types

SSE_HEADERS = [("content-type", "text/event-stream; charset=utf-8")]
JSON_HEADERS = [("content-type", "application/json")]


def chunk(i: int, content: str) -> dict:
    return {
        "id": "chatcmpl-live123",
        "object": "chat.completion.chunk",
        "created": 1700000000 + i,
        "model": "m",
        "choices": [{"index": i % 2, "delta": {"content": content}, "finish_reason": None}],
    }


def sse(*events: dict) -> bytes:
    return b"".join(b"data: " + orjson.dumps(e) + b"\n\n" for e in events) + b"data: [DONE]\n\n"


def test_stream_is_stored_as_typed_chunks_with_stable_ids():
    ids = IdMap().response("abcdef0123456789" * 4, 1)
    normalize = lambda value: ids.normalize(value, "/v1/chat/completions")  # noqa: E731
    body = sse(chunk(0, "Hel"), chunk(1, "lo"))
    stored = codec.encode_response(200, SSE_HEADERS, body, "/v1/chat/completions", normalize)
    assert stored.format == codec.SSE and stored.is_streaming
    assert stored.stream == {"terminator": "[DONE]", "event_names": "none"}
    assert [c["__type__"] for c in stored.body] == [sdk_types.OPENAI_OBJECTS["chat.completion.chunk"]] * 2
    assert {c["__data__"]["id"] for c in stored.body} == {"rec-abcdef012345"}
    assert {c["__data__"]["created"] for c in stored.body} == {0}
    assert ids.pairs == {"rec-abcdef012345": "chatcmpl-live123"}


def test_stream_replays_event_by_event_with_terminator():
    stored = codec.encode_response(200, SSE_HEADERS, sse(chunk(0, "Hel"), chunk(1, "lo")))
    replay = codec.decode_response(stored)
    assert len(replay.chunks) == 3
    assert replay.chunks[-1] == b"data: [DONE]\n\n"
    assert orjson.loads(replay.chunks[1][len(b"data: ") :])["choices"][0]["delta"]["content"] == "lo"
    assert replay.headers == [("content-type", "text/event-stream; charset=utf-8")]


def test_named_sse_events_keep_their_names():
    body = b'event: message_start\ndata: {"type":"message_start"}\n\nevent: ping\ndata: {"type":"other"}\n\n'
    stored = codec.encode_response(200, SSE_HEADERS, body)
    assert stored.stream["event_names"] == codec.EVENT_NAMES_EXPLICIT
    assert codec.decode_response(stored).content == body


def test_events_named_by_their_type_are_stored_as_plain_typed_data():
    body = b'event: a\ndata: {"type":"a"}\n\nevent: b\ndata: {"type":"b"}\n\n'
    stored = codec.encode_response(200, SSE_HEADERS, body)
    assert stored.stream["event_names"] == codec.EVENT_NAMES_TYPE
    assert stored.body == [{"type": "a"}, {"type": "b"}]
    assert codec.decode_response(stored).content == body


@pytest.mark.parametrize(
    ("body", "type_path"),
    [
        ({"object": "chat.completion", "id": "x", "created": 5, "choices": []}, "ChatCompletion"),
        ({"object": "text_completion", "id": "x", "created": 5, "choices": []}, "Completion"),
        (
            {"object": "list", "data": [{"object": "embedding", "embedding": [0.5], "index": 0}]},
            "CreateEmbeddingResponse",
        ),
    ],
)
def test_json_bodies_are_typed(body, type_path):
    stored = codec.encode_response(200, JSON_HEADERS, orjson.dumps(body))
    assert stored.format == codec.JSON
    assert stored.body["__type__"].endswith("." + type_path)


def test_models_list_types_each_model_and_keeps_created():
    body = {"object": "list", "data": [{"object": "model", "id": "a", "created": 42, "owned_by": "x"}]}
    stored = codec.encode_response(200, JSON_HEADERS, orjson.dumps(body))
    assert stored.body["object"] == "list"
    assert stored.body["data"][0] == {"__type__": "openai.types.model.Model", "__data__": body["data"][0]}
    assert orjson.loads(codec.decode_response(stored).content) == body


def test_unknown_json_text_and_bytes():
    assert codec.encode_response(200, JSON_HEADERS, b'{"x": 1}').body == {"x": 1}
    text = codec.encode_response(200, [("content-type", "text/plain")], b"plain words")
    assert (text.format, text.body) == (codec.TEXT, "plain words")
    raw = codec.encode_response(200, [("content-type", "audio/mpeg")], b"\xff\xfb\x00")
    assert raw.format == codec.BASE64
    assert codec.decode_response(raw).content == b"\xff\xfb\x00"


def test_json_that_does_not_parse_is_kept_as_text_not_escaped():
    stored = codec.encode_response(500, JSON_HEADERS, b"upstream exploded")
    assert (stored.format, stored.body) == (codec.TEXT, "upstream exploded")
    assert codec.decode_response(stored).content == b"upstream exploded"


def test_bodies_are_typed_by_endpoint_where_they_name_no_kind():
    chat = {
        "model": "llama3",
        "created_at": "2026-01-01T00:00:00Z",
        "message": {"content": "hi"},
        "done": True,
    }
    stored = codec.encode_response(200, JSON_HEADERS, orjson.dumps(chat), "/api/chat")
    assert stored.body == {"__type__": "ollama._types.ChatResponse", "__data__": chat}
    event = {"type": "message_stop"}
    stored = codec.encode_response(200, JSON_HEADERS, orjson.dumps(event), "/v1/messages")
    assert stored.body["__type__"] == "anthropic.types.raw_message_stop_event.RawMessageStopEvent"
    event = {"type": "response.output_text.delta", "delta": "x"}
    stored = codec.encode_response(200, JSON_HEADERS, orjson.dumps(event), "/v1/responses")
    assert (
        stored.body["__type__"] == "openai.types.responses.response_text_delta_event.ResponseTextDeltaEvent"
    )


def test_error_bodies_stay_plain():
    error = {"error": 'model "x" not found, try pulling it first'}
    assert codec.encode_response(404, JSON_HEADERS, orjson.dumps(error), "/api/chat").body == error


def test_gzip_is_undone_before_storing():
    body = gzip.compress(b'{"x": 1}')
    stored = codec.encode_response(200, [*JSON_HEADERS, ("content-encoding", "gzip")], body)
    assert stored.body == {"x": 1}


def test_a_body_decoded_already_under_its_coding_header_is_stored_as_it_is():
    """VCR.py's urllib3 stub (requests) hands over what urllib3 decoded, ``content-encoding`` kept."""
    stored = codec.encode_response(200, [*JSON_HEADERS, ("content-encoding", "gzip")], b'{"x": 1}')
    assert stored.body == {"x": 1}


def test_codings_are_undone_in_the_order_applied_and_an_unknown_one_refused():
    body = gzip.compress(zlib.compress(b'{"x": 1}'))
    stored = codec.encode_response(200, [*JSON_HEADERS, ("content-encoding", "deflate, gzip")], body)
    assert stored.body == {"x": 1}
    with pytest.raises(
        ValueError, match="cannot record this response: content-encoding 'zstd' cannot be read"
    ):
        codec.encode_response(200, [*JSON_HEADERS, ("content-encoding", "zstd")], b"\x28\xb5\x2f\xfd")
