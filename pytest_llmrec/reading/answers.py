"""The answer a recording holds, as the user of the SDK saw it.

A stream is put back together: the text of each choice joined from its deltas, tool calls with
their arguments assembled, Responses API output items, Anthropic content blocks, Ollama messages.
Each provider's shape is recognised from the JSON itself (the ``object`` or ``type`` field), so a
llama-stack recording reads like ours.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from pytest_llmrec.storage import codec, payloads
from pytest_llmrec.storage.codec import StoredResponse
from pytest_llmrec.storage.recording import Recording

Json = dict[str, Any]


@dataclass(frozen=True)
class Part:
    """One piece of an answer: what it is (``choice 0 (stop)``, ``tool call lookup``) and its text."""

    label: str
    text: str


@dataclass(frozen=True)
class Answer:
    """What a response said, the model that said it, and what it cost in tokens."""

    parts: list[Part]
    model: str | None
    tokens: payloads.TokenCounts

    @property
    def text(self) -> str:
        """All the parts' text, one after the other: what ``llmrec diff`` compares."""
        return "\n".join(part.text for part in self.parts)


def assemble(found: Recording) -> Answer:
    """The answer of a recording: a stream joined, a body read, an error's message."""
    return answer_of(found.response)


def answer_of(response: StoredResponse) -> Answer:
    """The answer of a stored response, recorded or just fetched live (``--llm-record=verify``)."""
    tokens = payloads.token_counts(response.body)
    if response.format == codec.BASE64:
        size = len(response.body) * 3 // 4
        return Answer(
            [Part("body", f"about {size} bytes of {response.content_type or 'binary data'}")], None, tokens
        )
    body = payloads.from_typed(response.body)
    if response.format == codec.TEXT or isinstance(body, str):
        return Answer([Part("body", str(body))], None, tokens)
    if response.is_streaming:
        events = [payloads.stream_event_data(event) for event in body] if isinstance(body, list) else []
        parts, model = _stream(events)
    else:
        parts, model = _body(body)
    return Answer(parts, model, tokens)


def _json(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def _arguments(text: str) -> str:
    """Tool call arguments, compact if they are JSON, as they were if not."""
    try:
        return _json(orjson.loads(text))
    except orjson.JSONDecodeError:
        return text


# Bodies


def _body(body: Any) -> tuple[list[Part], str | None]:
    if body is None:
        return [Part("body", "(none)")], None
    if isinstance(body, list) and body and all(isinstance(item, dict) and "id" in item for item in body):
        return _listing({"data": body}), None  # llama-stack keeps a model list as its items
    if not isinstance(body, dict):
        return [Part("body", _json(body))], None
    model = body.get("model") if isinstance(body.get("model"), str) else None
    for recognises, read in _BODIES:
        if recognises(body):
            return read(body), model
    return [Part("body", _json(body))], model


def _error(body: Json) -> list[Part]:
    error = body["error"]
    if isinstance(error, dict):
        kind = error.get("type") or error.get("code")
        return [Part(f"error ({kind})" if kind else "error", str(error.get("message", _json(error))))]
    return [Part("error", str(error))]


def _chat(body: Json) -> list[Part]:
    parts = []
    for choice in body.get("choices") or []:
        message = choice.get("message") or {}
        calls = message.get("tool_calls") or []
        if message.get("content") or not (calls or message.get("refusal")):
            parts.append(Part(_choice_label(choice), _content_text(message.get("content") or "")))
        if message.get("refusal"):
            parts.append(Part(f"{_choice_label(choice)} refusal", str(message["refusal"])))
        for call in calls:
            function = call.get("function") or {}
            parts.append(_tool_call(function.get("name"), str(function.get("arguments", ""))))
    return parts


def _choice_label(choice: Json) -> str:
    finish = choice.get("finish_reason")
    return f"choice {choice.get('index', 0)}" + (f" ({finish})" if finish else "")


def _tool_call(name: Any, arguments: str) -> Part:
    return Part(f"tool call {name}", _arguments(arguments))


def _content_text(content: Any) -> str:
    """A message's content: a string, or a list of parts whose text is joined."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return _json(content)


def _completion(body: Json) -> list[Part]:
    return [Part(_choice_label(choice), str(choice.get("text", ""))) for choice in body.get("choices") or []]


def _response(body: Json) -> list[Part]:
    """A Responses API response: each output item, read by its type."""
    parts = []
    for item in body.get("output") or []:
        kind = item.get("type")
        if kind == "message":
            parts.append(Part("output message", _content_text(item.get("content"))))
        elif kind == "function_call":
            parts.append(_tool_call(item.get("name"), str(item.get("arguments", ""))))
        elif kind == "reasoning":
            summary = "".join(str(s.get("text", "")) for s in item.get("summary") or [])
            parts.append(Part("reasoning", summary))
        else:
            parts.append(Part(f"output {kind}", _json(item)))
    return parts


def _anthropic(body: Json) -> list[Part]:
    parts = [_block(block) for block in body.get("content") or []]
    if body.get("stop_reason"):
        parts.append(Part("stop reason", str(body["stop_reason"])))
    return parts


def _block(block: Json) -> Part:
    kind = block.get("type")
    if kind == "text":
        return Part("text", str(block.get("text", "")))
    if kind == "tool_use":
        return Part(f"tool call {block.get('name')}", _json(block.get("input", {})))
    if kind == "thinking":
        return Part("thinking", str(block.get("thinking", "")))
    return Part(str(kind), _json(block))


def _ollama_chat(body: Json) -> list[Part]:
    message = body.get("message") or {}
    parts = [Part("message", str(message.get("content", "")))]
    for call in message.get("tool_calls") or []:
        function = call.get("function") or {}
        parts.append(Part(f"tool call {function.get('name')}", _json(function.get("arguments", {}))))
    return parts


def _embeddings(body: Json) -> list[Part]:
    vectors = [item.get("embedding") for item in body.get("data") or [] if isinstance(item, dict)]
    vectors += body.get("embeddings") or []  # Ollama's /api/embed
    if isinstance(body.get("embedding"), list):  # Ollama's /api/embeddings
        vectors.append(body["embedding"])
    return [
        Part(f"embedding {index}", f"{_dimensions(vector)} dimensions")
        for index, vector in enumerate(vectors)
    ]


def _dimensions(vector: Any) -> str:
    """A vector's length: a list of floats, or base64 of float32s as the openai SDK asks by default."""
    if isinstance(vector, list):
        return str(len(vector))
    try:
        return str(len(base64.b64decode(str(vector), validate=True)) // 4)
    except ValueError:
        return "?"


def _listing(body: Json) -> list[Part]:
    items = body.get("data") if isinstance(body.get("data"), list) else body.get("models")
    names = [str(item.get("id") or item.get("name") or item.get("model")) for item in items or []]
    return [Part("list", ", ".join(names))]


def _candidates(body: Json) -> list[tuple[int, str, str | None]]:
    """Gemini's candidates: index, text, finish reason."""
    found = []
    for index, candidate in enumerate(body.get("candidates") or []):
        content = candidate.get("content") or {}
        text = "".join(str(p.get("text", "")) for p in content.get("parts") or [] if isinstance(p, dict))
        finish = candidate.get("finish_reason") or candidate.get("finishReason")
        found.append((int(candidate.get("index", index)), text, str(finish) if finish else None))
    return found


def _candidate(index: int, text: str, finish: str | None) -> Part:
    return Part(f"candidate {index}" + (f" ({finish})" if finish else ""), text)


def _gemini(body: Json) -> list[Part]:
    return [_candidate(*found) for found in _candidates(body)]


_BODIES: list[tuple[Callable[[Json], bool], Callable[[Json], list[Part]]]] = [
    (lambda b: "error" in b and b.get("error") is not None and "choices" not in b, _error),
    (lambda b: b.get("object") == "chat.completion", _chat),
    (lambda b: b.get("object") == "text_completion", _completion),
    (lambda b: b.get("object") == "response", _response),
    (lambda b: b.get("type") == "message" and "content" in b, _anthropic),
    (lambda b: isinstance(b.get("message"), dict) and "done" in b, _ollama_chat),
    (
        lambda b: isinstance(b.get("response"), str) and "done" in b,
        lambda b: [Part("response", b["response"])],
    ),
    (lambda b: "embeddings" in b or isinstance(b.get("embedding"), list), _embeddings),
    (lambda b: isinstance(b.get("data"), list) and any("embedding" in i for i in b["data"]), _embeddings),
    (lambda b: b.get("object") == "list" or isinstance(b.get("models"), list), _listing),
    (lambda b: isinstance(b.get("candidates"), list), _gemini),
]


# Streams


def _stream(events: list[Any]) -> tuple[list[Part], str | None]:
    objects = [event for event in events if isinstance(event, dict)]
    model = next((str(e["model"]) for e in objects if isinstance(e.get("model"), str) and e["model"]), None)
    first = objects[0] if objects else {}
    kind = str(first.get("type", ""))
    if any(e.get("object") == "chat.completion.chunk" for e in objects):  # Azure's first chunk has none
        return _chat_stream(objects), model
    if first.get("object") == "text_completion":
        return _completion_stream(objects), model
    if kind.startswith("response."):
        return _responses_stream(objects)
    if kind in ("message_start", "content_block_start", "ping"):
        return _anthropic_stream(objects)
    if "done" in first and ("message" in first or "response" in first):
        return _ollama_stream(objects), model
    if "candidates" in first:
        return _gemini_stream(objects), model
    return [Part("stream", f"{len(events)} events")], model


def _chat_stream(chunks: list[Json]) -> list[Part]:
    """Chat completion chunks: per choice, its text and its tool calls, joined from their deltas."""
    text: dict[int, str] = {}
    finish: dict[int, str] = {}
    calls: dict[tuple[int, int], list[str]] = {}  # (choice, tool call index) -> [name, arguments]
    for chunk in chunks:
        for choice in chunk.get("choices") or []:
            index = int(choice.get("index", 0))
            delta = choice.get("delta") or {}
            text[index] = text.get(index, "") + str(delta.get("content") or "")
            if choice.get("finish_reason"):
                finish[index] = str(choice["finish_reason"])
            for call in delta.get("tool_calls") or []:
                entry = calls.setdefault((index, int(call.get("index", 0))), ["", ""])
                function = call.get("function") or {}
                entry[0] += str(function.get("name") or "")
                entry[1] += str(function.get("arguments") or "")
    parts = []
    for index in sorted(text):
        if text[index] or not any(choice == index for choice, _ in calls):
            label = f"choice {index}" + (f" ({finish[index]})" if index in finish else "")
            parts.append(Part(label, text[index]))
        parts += [
            _tool_call(name, arguments) for (c, _), (name, arguments) in sorted(calls.items()) if c == index
        ]
    return parts


def _completion_stream(chunks: list[Json]) -> list[Part]:
    text: dict[int, str] = {}
    for chunk in chunks:
        for choice in chunk.get("choices") or []:
            index = int(choice.get("index", 0))
            text[index] = text.get(index, "") + str(choice.get("text") or "")
    return [Part(f"choice {index}", text[index]) for index in sorted(text)]


def _responses_stream(events: list[Json]) -> tuple[list[Part], str | None]:
    """The Responses API's last event holds the whole response; a stream cut short is joined by item."""
    for event in reversed(events):
        if event.get("type") in ("response.completed", "response.incomplete", "response.failed"):
            response = event.get("response") or {}
            return _response(response), response.get("model")
    text: dict[int, str] = {}
    for event in events:
        if event.get("type") == "response.output_text.delta":
            index = int(event.get("output_index", 0))
            text[index] = text.get(index, "") + str(event.get("delta", ""))
    model = next((e["response"].get("model") for e in events if isinstance(e.get("response"), dict)), None)
    return [Part("output message", text[index]) for index in sorted(text)], model


def _anthropic_stream(events: list[Json]) -> tuple[list[Part], str | None]:
    """Anthropic's events: a message started, blocks started and filled by deltas, a stop reason."""
    model = None
    blocks: dict[int, Json] = {}
    stop = None
    for event in events:
        kind = event.get("type")
        if kind == "message_start":
            model = (event.get("message") or {}).get("model")
        elif kind == "content_block_start":
            blocks[int(event.get("index", 0))] = dict(event.get("content_block") or {}, partial_json="")
        elif kind == "content_block_delta":
            _add_delta(
                blocks.setdefault(int(event.get("index", 0)), {"partial_json": ""}), event.get("delta") or {}
            )
        elif kind == "message_delta":
            stop = (event.get("delta") or {}).get("stop_reason") or stop
    for block in blocks.values():
        if block.get("type") == "tool_use" and block["partial_json"]:
            try:
                block["input"] = orjson.loads(block["partial_json"])
            except orjson.JSONDecodeError:
                block["input"] = block["partial_json"]
    message = {"content": [blocks[index] for index in sorted(blocks)], "stop_reason": stop}
    return _anthropic(message), model


def _add_delta(block: Json, delta: Json) -> None:
    kind = delta.get("type")
    if kind == "text_delta":
        block["text"] = str(block.get("text", "")) + str(delta.get("text", ""))
    elif kind == "input_json_delta":
        block["partial_json"] += str(delta.get("partial_json", ""))
    elif kind == "thinking_delta":
        block["thinking"] = str(block.get("thinking", "")) + str(delta.get("thinking", ""))


def _ollama_stream(lines: list[Json]) -> list[Part]:
    """Ollama's NDJSON lines: the message's (or, for generate, the response's) text joined."""
    if "response" in lines[0]:
        return [Part("response", "".join(str(line.get("response", "")) for line in lines))]
    text = "".join(str((line.get("message") or {}).get("content", "")) for line in lines)
    parts = [Part("message", text)]
    for line in lines:
        parts += _ollama_chat({"message": {"tool_calls": (line.get("message") or {}).get("tool_calls")}})[1:]
    return parts


def _gemini_stream(chunks: list[Json]) -> list[Part]:
    text: dict[int, str] = {}
    finish: dict[int, str | None] = {}
    for chunk in chunks:
        for index, piece, reason in _candidates(chunk):
            text[index] = text.get(index, "") + piece
            finish[index] = reason or finish.get(index)
    return [_candidate(index, text[index], finish[index]) for index in sorted(text)]
