"""An OpenAI-compatible HTTP server on 127.0.0.1 for record-mode tests (standard library only).

Content is deterministic given the request; ids, ``created`` and the
``x-request-id`` header change on every call, like the real API, so tests can tell recordings apart.
Like the real API, the server keeps what it issued (tool call ids, responses, files) and refuses ids it
never issued, so a test can prove that a client sent back the real ones. This module routes and serves
chat, completions, embeddings and models; ``openai_responses`` and ``openai_files`` serve the rest.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import string
import struct
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from . import openai_files
from .loopback import Json, LoopbackHandler, LoopbackServer, RecordedRequest, compact, serve_forever
from .model_knowledge import known_answer, schema_example, word_vector
from .openai_responses import create_response, is_json, pieces, retrieve_response, words

SUN_ANSWER = "The Latin name of the Sun is Sol."
MODELS: list[Json] = [
    {"id": "gpt-4o-mini", "object": "model", "created": 1686935002, "owned_by": "system"},
    {"id": "text-embedding-3-small", "object": "model", "created": 1705948997, "owned_by": "system"},
]
# The `code` the real API puts in its error bodies for these statuses.
ERROR_CODES = {
    400: "invalid_request",
    401: "invalid_api_key",
    429: "rate_limit_exceeded",
    500: "server_error",
}
FLAKY_RETRY_AFTER = 1  # seconds the flaky-429 model asks a client to wait
# The model whose answer echoes the request (headers, path with query, body, and all that in base64),
# as a misbehaving server or proxy might: credentials the client sent come back in the response.
ECHO_MODEL = "echo-request"
ECHO_PIECE = 7  # an echoed stream's delta size: short enough to split any credential across events
ECHO_EVENTS_PER_CHUNK = 100
T = TypeVar("T")


@dataclass(frozen=True)
class ToolCall:
    """A function call the assistant asks for, under an id the server issued."""

    id: str
    name: str
    arguments: str

    def wire(self, arguments: str | None = None) -> Json:
        function = {"name": self.name, "arguments": self.arguments if arguments is None else arguments}
        return {"id": self.id, "type": "function", "function": function}


Reply = str | ToolCall  # one chat choice: text or a tool call


def _answer(text: str) -> str:
    lowered = text.lower()
    return SUN_ANSWER if "sun" in lowered and "latin" in lowered else f"Echo: {text}"


def _answers(prompts: list[str], n: int) -> list[str]:
    """n answers per prompt, in the order the real API numbers its choices."""
    return [_answer(p) + (f" (choice {i})" if i else "") for p in prompts for i in range(n)]


def _interleave(streams: list[list[T]]) -> list[tuple[int, T]]:
    """(choice index, delta) in the order the real API streams n>1 choices: round-robin."""
    depth = max(map(len, streams), default=0)
    return [(i, s[k]) for k in range(depth) for i, s in enumerate(streams) if k < len(s)]


def _text_of(content: Any) -> str:
    """Message content is a string or a list of typed parts; only the text parts count here."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [p for p in content if isinstance(p, dict) and p.get("type") == "text"]
        return " ".join(str(p.get("text", "")) for p in parts)
    return ""


def _as_strings(value: Any) -> list[str]:
    """Normalise a prompt/input (a string, a list of strings, or token arrays) to strings."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and not all(isinstance(v, int) for v in value):
        return [v if isinstance(v, str) else json.dumps(v) for v in value]
    return [json.dumps(value)]


def _embedding(text: str) -> list[float]:
    """8 floats in [-1, 1) from a hash; float32-exact so "float" and "base64" give equal vectors."""
    raw = [u / 2**31 - 1.0 for u in struct.unpack("<8I", hashlib.sha256(text.encode()).digest())]
    return list(struct.unpack("<8f", struct.pack("<8f", *raw)))


def _usage(prompt_tokens: int, answers: list[str]) -> dict[str, int]:
    done = sum(words(a) for a in answers)
    return {"prompt_tokens": prompt_tokens, "completion_tokens": done, "total_tokens": prompt_tokens + done}


def _wire_text(reply: Reply) -> str:
    return reply.arguments if isinstance(reply, ToolCall) else reply


def _message(reply: Reply) -> Json:
    if isinstance(reply, ToolCall):
        return {"role": "assistant", "content": None, "refusal": None, "tool_calls": [reply.wire()]}
    return {"role": "assistant", "content": reply, "refusal": None}


def _deltas(reply: Reply) -> list[Json]:
    """One choice's stream deltas: the opening one (role, and the call's id and name), then the pieces."""
    if isinstance(reply, ToolCall):
        opening = {"role": "assistant", "content": None, "tool_calls": [{"index": 0, **reply.wire("")}]}
        rest = [{"tool_calls": [{"index": 0, "function": {"arguments": p}}]} for p in pieces(reply.arguments)]
        return [opening, *rest]
    return [{"role": "assistant", "content": ""}, *({"content": p} for p in pieces(reply))]


def _first_function(params: Json) -> str | None:
    tools = params.get("tools") or []
    return next(
        (t["function"]["name"] for t in tools if isinstance(t, dict) and t.get("type") == "function"), None
    )


def _wants_json(params: Json) -> bool:
    response_format = params.get("response_format")
    return isinstance(response_format, dict) and response_format.get("type") == "json_schema"


def _json_reply(params: Json, prompt: str) -> str:
    """json_schema's answer: the prompt when it is JSON, else the schema's first example, else the prompt."""
    json_schema = params["response_format"].get("json_schema")
    example = schema_example(json_schema.get("schema") if isinstance(json_schema, dict) else None)
    return example if example is not None and not is_json(prompt) else prompt


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    call: Callable[[OpenAIHandler, Json], None]
    form: bool  # the body is multipart/form-data rather than JSON


def _route(
    method: str, template: str, call: Callable[[OpenAIHandler, Json], None], form: bool = False
) -> Route:
    """A route whose ``{name}`` path segments join the call's params."""
    return Route(method, re.compile(re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)), call, form)


class OpenAIHandler(LoopbackHandler):
    """Routes a request to its endpoint; the endpoints answer through ``send_*`` and ``error``."""

    @property
    def owner(self) -> OpenAICompatibleServer:
        return cast("OpenAICompatibleServer", self.server.owner)

    def route(self, request: RecordedRequest) -> None:
        path = AZURE_DEPLOYMENT.sub(
            "/v1/", request.path.split("?", 1)[0]
        )  # Azure, Bedrock: same API, other paths
        found = [(r, m) for r in ROUTES if (m := r.pattern.fullmatch(path)) and r.method == request.method]
        if not found:
            return self.error(404, f"Invalid URL ({request.method} {path})")
        route, match = found[0]
        self.seen = request  # what the echo model and the binary echo send back
        params = self._params(request, route.form)
        if params is not None and not self._simulated_failure(params):
            route.call(self, {**params, **match.groupdict()})

    def _params(self, request: RecordedRequest, form: bool) -> Json | None:
        """The request's parameters; None after answering 400 when its body cannot be read."""
        if form:
            fields = openai_files.parse_form(request.headers.get("content-type", ""), request.body)
            if fields is None:
                self.error(400, "Expected a multipart/form-data body.", ERROR_CODES[400])
            return fields
        if request.method == "POST" and not isinstance(request.json, dict):
            self.error(400, "We could not parse the JSON body of your request.", ERROR_CODES[400])
            return None
        return request.json if isinstance(request.json, dict) else {}

    def _simulated_failure(self, params: Json) -> bool:
        """Answer with the error the model's name asks for, if any: ``error-<status>`` or ``flaky-429``."""
        simulated = re.fullmatch(r"error-([45]\d\d)", str(params.get("model", "")))
        if simulated:
            status = int(simulated[1])
            self.error(status, f"Simulated {status} error", ERROR_CODES.get(status, "simulated"))
            return True
        # Rate limited once per distinct request, with the delay a real API asks for. repr, as a form
        # holds uploads that JSON cannot encode.
        if params.get("model") == "flaky-429" and self.owner.first_attempt(repr(params).encode()):
            error = {
                "message": "Rate limit reached",
                "type": "requests",
                "param": None,
                "code": "rate_limit_exceeded",
            }
            self.send_json(429, {"error": error}, {"retry-after": str(FLAKY_RETRY_AFTER)})
            return True
        return False

    def error(self, status: int, message: str, code: str | None = None, param: str | None = None) -> None:
        """An error in the real API's shape: {"error": {message, type, param, code}}."""
        kind = "requests" if status == 429 else "server_error" if status >= 500 else "invalid_request_error"
        error = {"message": message, "type": kind, "param": param, "code": code}
        self.send_json(status, {"error": error}, {"retry-after": "0"} if status == 429 else None)

    def _stream(self, head: Json, choices: list[Json], params: Json, usage: dict[str, int]) -> None:
        """One SSE event per HTTP chunk, spaced by event_delay, so clients see them arrive one by one."""
        options = params.get("stream_options")
        if isinstance(options, dict) and options.get("include_usage"):  # then every chunk has a usage key
            events = [{**head, "choices": [c], "usage": None} for c in choices]
            events.append({**head, "choices": [], "usage": usage})
        else:
            events = [{**head, "choices": [c]} for c in choices]
        chunks = [b"data: " + compact(event) + b"\n\n" for event in events]
        self.send_chunks("text/event-stream", [*chunks, b"data: [DONE]\n\n"])

    def _head(self, prefix: str, obj: str, params: Json) -> Json:
        """The per-call random envelope every completion (and chunk) carries, with the server's
        ``new_fields`` and in its ``answering_model``, if set (the provider changed since recording)."""
        owner = self.owner
        return {
            "id": f"{prefix}-{uuid.uuid4().hex}",
            "object": obj,
            "created": int(time.time()),
            "model": owner.answering_model or params.get("model"),
            "system_fingerprint": "fp_test",
            **owner.new_fields,
        }

    def _chat_reply(self, params: Json, messages: list[Json], choice: int) -> Reply:
        """A tool result is quoted; a user turn with tools gets a tool call; json_schema echoes the prompt
        (or gives the schema's example); a known question gets its answer (model_knowledge)."""
        last = messages[-1] if messages else {}
        suffix = f" (choice {choice})" if choice else ""
        if last.get("role") == "tool":
            return f"Tool said: {_text_of(last.get('content'))}{suffix}"
        user = [m for m in messages if m.get("role") == "user"]
        prompt = _text_of(user[-1].get("content")) if user else ""
        tool = _first_function(params)
        if tool and last.get("role") == "user":
            return ToolCall(self.owner.issue_call_id(tool), tool, compact({"query": prompt}).decode())
        if _wants_json(params):
            return _json_reply(params, prompt)
        known = known_answer([(str(m.get("role")), _text_of(m.get("content"))) for m in messages])
        return (known if known is not None else _answer(prompt)) + suffix

    def echo(self) -> str:
        """The request as text: headers, path with its query and body, then that text in base64."""
        seen = self.seen
        text = compact(
            {"headers": seen.headers, "path": seen.path, "body": seen.body.decode("utf-8", "replace")}
        )
        return f"{text.decode()} base64:{base64.b64encode(text).decode()}"

    def _echo_chat(self, params: Json) -> None:
        """The echo as one message, or streamed in pieces of ECHO_PIECE characters."""
        text = self.echo()
        usage = _usage(0, [text])
        head = self._head(
            "chatcmpl", "chat.completion.chunk" if params.get("stream") else "chat.completion", params
        )
        if not params.get("stream"):
            choice = {"index": 0, "message": _message(text), "logprobs": None, "finish_reason": "stop"}
            return self.send_json(200, {**head, "choices": [choice], "usage": usage})
        deltas = [{"role": "assistant", "content": ""}]
        deltas += [{"content": text[i : i + ECHO_PIECE]} for i in range(0, len(text), ECHO_PIECE)]
        chunks = [{"index": 0, "delta": d, "logprobs": None, "finish_reason": None} for d in deltas]
        chunks.append({"index": 0, "delta": {}, "logprobs": None, "finish_reason": "stop"})
        events = [b"data: " + compact({**head, "choices": [c]}) + b"\n\n" for c in chunks]
        # Many events per HTTP chunk: an echo has about a thousand, which event_delay each would slow.
        grouped = [
            b"".join(events[i : i + ECHO_EVENTS_PER_CHUNK])
            for i in range(0, len(events), ECHO_EVENTS_PER_CHUNK)
        ]
        self.send_chunks("text/event-stream", [*grouped, b"data: [DONE]\n\n"])

    def _echo_binary(self, params: Json) -> None:
        """Bytes that are not UTF-8 around the echo, so a client records a binary body."""
        self.send_body(200, b"\x00\xff\xfe" + self.echo().encode() + b"\xff\x00", "application/octet-stream")

    def _chat(self, params: Json) -> None:
        if params.get("model") == ECHO_MODEL:
            return self._echo_chat(params)
        messages = [m for m in params.get("messages") or [] if isinstance(m, dict)]
        last = messages[-1] if messages else {}
        if last.get("role") == "tool" and self.owner.tool_calls.get(str(last.get("tool_call_id"))) is None:
            message = f"Invalid parameter: unknown 'tool_call_id' '{last.get('tool_call_id')}'."
            return self.error(400, message, param=f"messages.[{len(messages) - 1}].tool_call_id")
        replies = [self._chat_reply(params, messages, i) for i in range(int(params.get("n") or 1))]
        if _wants_json(params) and not all(is_json(_wire_text(r)) for r in replies):
            message = "This test server answers json_schema with the user's text, which is not JSON."
            return self.error(400, message, param="response_format")
        usage = _usage(
            sum(words(_text_of(m.get("content"))) for m in messages), [_wire_text(r) for r in replies]
        )

        def choice(i: int, delta: Json, finish: str | None = None) -> Json:
            return {"index": i, "delta": delta, "logprobs": None, "finish_reason": finish}

        finishes = ["tool_calls" if isinstance(r, ToolCall) else "stop" for r in replies]
        if not params.get("stream"):
            choices = [
                {"index": i, "message": _message(r), "logprobs": None, "finish_reason": finishes[i]}
                for i, r in enumerate(replies)
            ]
            head = self._head("chatcmpl", "chat.completion", params)
            return self.send_json(200, {**head, "choices": choices, "usage": usage})
        streams = [_deltas(r) for r in replies]
        chunks = [choice(i, s[0]) for i, s in enumerate(streams)]
        chunks += [choice(i, d) for i, d in _interleave([s[1:] for s in streams])]
        chunks += [choice(i, {}, finish) for i, finish in enumerate(finishes)]
        self._stream(self._head("chatcmpl", "chat.completion.chunk", params), chunks, params, usage)

    def _completions(self, params: Json) -> None:
        prompts = _as_strings(params.get("prompt", ""))
        answers = _answers(prompts, int(params.get("n") or 1))
        usage = _usage(sum(words(p) for p in prompts), answers)

        def choice(i: int, text: str, finish: str | None = None) -> Json:
            return {"text": text, "index": i, "logprobs": None, "finish_reason": finish}

        head = self._head("cmpl", "text_completion", params)
        if not params.get("stream"):
            choices = [choice(i, a, "stop") for i, a in enumerate(answers)]
            return self.send_json(200, {**head, "choices": choices, "usage": usage})
        chunks = [choice(i, p) for i, p in _interleave([pieces(a) for a in answers])]
        self._stream(head, chunks + [choice(i, "", "stop") for i in range(len(answers))], params, usage)

    def _embeddings(self, params: Json) -> None:
        texts = _as_strings(params.get("input", ""))
        as_base64 = params.get("encoding_format") == "base64"
        dimensions = params.get("dimensions")  # given: a bag of words of that size, so similar texts are near
        data = []
        for i, text in enumerate(texts):
            vector = word_vector(text, dimensions) if isinstance(dimensions, int) else _embedding(text)
            packed = struct.pack(f"<{len(vector)}f", *vector)
            encoded = base64.b64encode(packed).decode() if as_base64 else vector
            data.append({"object": "embedding", "index": i, "embedding": encoded})
        tokens = sum(words(t) for t in texts)
        usage = {"prompt_tokens": tokens, "total_tokens": tokens}
        self.send_json(200, {"object": "list", "data": data, "model": params.get("model"), "usage": usage})

    def _models(self, params: Json) -> None:
        self.send_json(200, {"object": "list", "data": MODELS})


# Azure OpenAI serves the same API under /openai/deployments/<deployment>/...?api-version=..., and
# Bedrock's OpenAI-compatible endpoint under /openai/v1/.
AZURE_DEPLOYMENT = re.compile(r"^/openai/(?:deployments/[^/]+|v1)/")
ROUTES = [
    _route("POST", "/v1/chat/completions", OpenAIHandler._chat),
    _route("POST", "/v1/completions", OpenAIHandler._completions),
    _route("POST", "/v1/embeddings", OpenAIHandler._embeddings),
    _route("GET", "/v1/models", OpenAIHandler._models),
    _route("POST", "/v1/responses", create_response),
    _route("GET", "/v1/responses/{response_id}", retrieve_response),
    _route("POST", "/v1/files", openai_files.upload_file, form=True),
    _route("GET", "/v1/files/{file_id}", openai_files.retrieve_file),
    _route("GET", "/v1/files/{file_id}/content", openai_files.file_content),
    _route("DELETE", "/v1/files/{file_id}", openai_files.delete_file),
    _route("POST", "/v1/audio/speech", openai_files.speech),
    _route("POST", "/v1/audio/transcriptions", openai_files.transcription, form=True),
    _route("POST", "/v1/images/generations", openai_files.image),
    _route("POST", "/v1/echo/binary", OpenAIHandler._echo_binary),
]


class Registry(Generic[T]):
    """What the server issued, by id; handler threads share it, so a lock guards it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[str, T] = {}

    def add(self, key: str, item: T) -> None:
        with self._lock:
            self._items[key] = item

    def get(self, key: str) -> T | None:
        with self._lock:
            return self._items.get(key)

    def pop(self, key: str) -> T | None:
        with self._lock:
            return self._items.pop(key, None)


class OpenAICompatibleServer(LoopbackServer):
    """OpenAI's wire format, at ``http://127.0.0.1:<port>/v1``; keeps what it issued, like the real API."""

    handler = OpenAIHandler
    path_prefix = "/v1"

    def __init__(self, event_delay: float = 0.01, port: int = 0) -> None:
        super().__init__(event_delay, port)
        self.tool_calls: Registry[str] = Registry()  # call id -> function name
        self.responses: Registry[Json] = Registry()
        self.files: Registry[openai_files.StoredFile] = Registry()
        # A provider that changed since recording: fields added to every completion and chunk, and
        # the model that answers whatever the request asks for.
        self.new_fields: Json = {}
        self.answering_model: str | None = None

    def issue_call_id(self, name: str) -> str:
        """A new tool call id in the real API's form, remembered so that a tool result may answer it."""
        call_id = "call_" + "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(24))
        self.tool_calls.add(call_id, name)
        return call_id


if __name__ == "__main__":  # serve in the foreground, e.g. to re-record example_suite
    import sys

    serve_forever(
        OpenAICompatibleServer(port=int(sys.argv[1]) if len(sys.argv) > 1 else 8765, event_delay=0.0),
        "OpenAI-compatible",
    )
