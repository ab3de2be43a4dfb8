"""An Anthropic Messages API server on 127.0.0.1 for record-mode tests (standard library only).

Content is deterministic given the request; message and tool-use ids and the ``request-id`` header
change on every call, like the real API, so tests can tell recordings apart.
"""

from __future__ import annotations

import json
import re
import secrets
import string
from dataclasses import dataclass
from typing import Any, cast

from .llm_server import SUN_ANSWER
from .loopback import Json, LoopbackHandler, LoopbackServer, RecordedRequest, compact, serve_forever
from .model_knowledge import known_answer, schema_example_object

MODELS: list[Json] = [
    {
        "type": "model",
        "id": "claude-sonnet-4-6",
        "display_name": "Claude Sonnet 4.6",
        "created_at": "2026-02-17T00:00:00Z",
        "lifecycle": "active",
    },
    {
        "type": "model",
        "id": "claude-haiku-4-5-20251001",
        "display_name": "Claude Haiku 4.5",
        "created_at": "2025-10-15T00:00:00Z",
        "lifecycle": "active",
    },
]
# The error `type` the real API puts in its bodies for these statuses.
ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}
JSON_PIECE = 8  # characters per input_json_delta, so a tool call streams in several pieces
_ALNUM = string.ascii_letters + string.digits


@dataclass(frozen=True)
class _Reply:
    """The one content block an answer holds, and why the turn ended."""

    block: Json
    stop_reason: str


def _random_id(prefix: str) -> str:
    """Ids shaped like the real ones (``msg_01`` + 22 base62 characters), new on every call."""
    return f"{prefix}_01" + "".join(secrets.choice(_ALNUM) for _ in range(22))


def _blocks(content: Any) -> list[Json]:
    return [b for b in content if isinstance(b, dict)] if isinstance(content, list) else []


def _text_of(content: Any) -> str:
    """Content is a string or typed blocks; text blocks and tool results count, other blocks do not."""
    if isinstance(content, str):
        return content
    parts = [
        str(b.get("text", "")) if b.get("type") == "text" else _text_of(b.get("content"))
        for b in _blocks(content)
        if b.get("type") in ("text", "tool_result")
    ]
    return " ".join(parts)


def _is_plain_text(content: Any) -> bool:
    return isinstance(content, str) or all(b.get("type") == "text" for b in _blocks(content))


def _words(text: str) -> int:
    return len(text.split())


def _pieces(text: str) -> list[str]:
    """Word-sized deltas that keep their spaces, so joining them gives the text back."""
    return re.findall(r"\s*\S+\s*", text) or [text]


def _usage(input_tokens: int, output_tokens: int) -> Json:
    return {
        "input_tokens": input_tokens,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
        "output_tokens": output_tokens,
        "service_tier": "standard",
    }


def _output_tokens(reply: _Reply) -> int:
    block = reply.block
    return _words(block["text"] if block["type"] == "text" else json.dumps(block["input"]))


def _sse(kind: str, **fields: Any) -> bytes:
    """One event: Anthropic names it on an ``event:`` line and repeats the name as the data's type."""
    return f"event: {kind}\ndata: ".encode() + compact({"type": kind, **fields}) + b"\n\n"


def _deltas(block: Json) -> tuple[Json, list[Json]]:
    """The empty block a stream opens with, and the deltas that fill it in."""
    if block["type"] == "text":
        deltas = [{"type": "text_delta", "text": p} for p in _pieces(block["text"])]
        return {"type": "text", "text": ""}, deltas
    raw = json.dumps(block["input"])
    pieces = ["", *(raw[i : i + JSON_PIECE] for i in range(0, len(raw), JSON_PIECE))]
    return {**block, "input": {}}, [{"type": "input_json_delta", "partial_json": p} for p in pieces]


def _reply(messages: list[Json], tools: list[Json]) -> _Reply:
    """Report what a tool said, call the first tool on plain user text (with its input schema's example
    when it has one), answer a known question (model_knowledge), or echo the user."""
    last = messages[-1]
    results = [b for b in _blocks(last.get("content")) if b.get("type") == "tool_result"]
    if results:
        said = " ".join(_text_of(b.get("content")) for b in results)
        return _Reply({"type": "text", "text": f"Tool said: {said}"}, "end_turn")
    users = [m for m in messages if m.get("role") == "user"]
    text = _text_of(users[-1].get("content")) if users else ""
    if tools and last.get("role") == "user" and _is_plain_text(last.get("content")):
        call = {"type": "tool_use", "id": _random_id("toolu"), "name": tools[0].get("name")}
        example = schema_example_object(tools[0].get("input_schema"))
        return _Reply({**call, "input": {"query": text} if example is None else example}, "tool_use")
    lowered = text.lower()
    if "sun" in lowered and "latin" in lowered:  # as the OpenAI-compatible fake answers it
        return _Reply({"type": "text", "text": SUN_ANSWER}, "end_turn")
    known = known_answer([(str(m.get("role")), _text_of(m.get("content"))) for m in messages])
    return _Reply({"type": "text", "text": f"Echo: {text}" if known is None else known}, "end_turn")


class _Handler(LoopbackHandler):
    @property
    def state(self) -> AnthropicServer:
        return cast("AnthropicServer", self.owner)

    def route(self, request: RecordedRequest) -> None:
        path = request.path.split("?", 1)[0]
        if (request.method, path) == ("GET", "/v1/models"):
            page = {
                "data": MODELS,
                "has_more": False,
                "first_id": MODELS[0]["id"],
                "last_id": MODELS[-1]["id"],
            }
            return self.send_json(200, page)
        if (request.method, path) != ("POST", "/v1/messages"):
            return self._error(404, "Not Found")
        params = request.json
        if not isinstance(params, dict):
            return self._error(400, "There was an issue with your request body: it is not valid JSON.")
        simulated = re.fullmatch(r"error-([45]\d\d)", str(params.get("model", "")))
        if simulated:
            status = int(simulated[1])
            return self._error(status, f"Simulated {status} error")
        self._messages(params)

    def _error(self, status: int, message: str) -> None:
        kind = ERROR_TYPES.get(status, "api_error" if status >= 500 else "invalid_request_error")
        body = {"type": "error", "error": {"type": kind, "message": message}}
        self.send_json(status, body, {"retry-after": "0"} if status in (429, 529) else None)

    def _messages(self, params: Json) -> None:
        messages = _blocks(params.get("messages"))
        if not messages:
            return self._error(400, "messages: at least one message is required")
        unknown = self._unknown_tool_use(messages)
        if unknown is not None:
            return self._error(400, unknown)
        reply = _reply(messages, _blocks(params.get("tools")))
        if reply.block["type"] == "tool_use":
            self.state.tool_use_ids.add(reply.block["id"])
        texts = [_text_of(params.get("system")), *(_text_of(m.get("content")) for m in messages)]
        input_tokens = sum(map(_words, texts))
        head: Json = {
            "id": _random_id("msg"),
            "type": "message",
            "role": "assistant",
            "model": params.get("model"),
        }
        if params.get("stream"):
            return self._stream(head, reply, input_tokens)
        usage = _usage(input_tokens, _output_tokens(reply))
        body = {**head, "content": [reply.block], "stop_reason": reply.stop_reason, "stop_sequence": None}
        self.send_json(200, {**body, "usage": usage})

    def _unknown_tool_use(self, messages: list[Json]) -> str | None:
        """The real API's complaint when a tool_result answers no tool_use this server issued, else None."""
        for block in _blocks(messages[-1].get("content")):
            tool_use_id = block.get("tool_use_id")
            if block.get("type") == "tool_result" and tool_use_id not in self.state.tool_use_ids:
                return (
                    f"messages.{len(messages) - 1}.content: unexpected `tool_use_id` found in `tool_result` "
                    f"blocks: {tool_use_id}. Each `tool_result` block must have a corresponding `tool_use` "
                    "block in the previous message."
                )
        return None

    def _stream(self, head: Json, reply: _Reply, input_tokens: int) -> None:
        """The real event sequence, one SSE event per HTTP chunk; no ``[DONE]`` sentinel, unlike OpenAI."""
        opening, deltas = _deltas(reply.block)
        start = {**head, "content": [], "stop_reason": None, "stop_sequence": None}
        end_usage = {
            "input_tokens": input_tokens,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            "output_tokens": _output_tokens(reply),
        }
        events = [
            _sse("message_start", message={**start, "usage": _usage(input_tokens, 1)}),
            _sse("content_block_start", index=0, content_block=opening),
            _sse("ping"),
            *(_sse("content_block_delta", index=0, delta=d) for d in deltas),
            _sse("content_block_stop", index=0),
            _sse(
                "message_delta",
                delta={"stop_reason": reply.stop_reason, "stop_sequence": None},
                usage=end_usage,
            ),
            _sse("message_stop"),
        ]
        self.send_chunks("text/event-stream; charset=utf-8", events)


class AnthropicServer(LoopbackServer):
    """Anthropic's wire format at ``http://127.0.0.1:<port>`` (the SDK adds ``/v1`` itself)."""

    handler = _Handler
    request_id_header = "request-id"

    def __init__(self, event_delay: float = 0.01, port: int = 0) -> None:
        super().__init__(event_delay, port)
        self.tool_use_ids: set[str] = set()  # issued tool_use ids: a tool_result must name one of them


if __name__ == "__main__":  # serve in the foreground, e.g. to re-record a suite by hand
    import sys

    serve_forever(
        AnthropicServer(port=int(sys.argv[1]) if len(sys.argv) > 1 else 8766, event_delay=0.0), "Anthropic"
    )
