"""An OpenAI-compatible HTTP server on 127.0.0.1 for record-mode tests (standard library only).

Content is deterministic given the request; ids, ``created`` and the
``x-request-id`` header change on every call, like the real API, so tests can tell recordings apart.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import struct
import time
import uuid
from collections.abc import Callable
from typing import Any

from loopback import Json, LoopbackHandler, LoopbackServer, RecordedRequest, compact, serve_forever

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


def _answer(text: str) -> str:
    lowered = text.lower()
    return SUN_ANSWER if "sun" in lowered and "latin" in lowered else f"Echo: {text}"


def _answers(prompts: list[str], n: int) -> list[str]:
    """n answers per prompt, in the order the real API numbers its choices."""
    return [_answer(p) + (f" (choice {i})" if i else "") for p in prompts for i in range(n)]


def _words(text: str) -> int:
    return len(text.split())


def _pieces(text: str) -> list[str]:
    """Word-sized stream deltas that keep their spaces, so joining them gives the text back."""
    return re.findall(r"\s*\S+\s*", text) or ([text] if text else [])


def _interleave(answers: list[str]) -> list[tuple[int, str]]:
    """(choice index, piece) in the order the real API streams n>1 choices: round-robin."""
    split = [_pieces(a) for a in answers]
    depth = max(map(len, split), default=0)
    return [(i, p[k]) for k in range(depth) for i, p in enumerate(split) if k < len(p)]


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
    done = sum(_words(a) for a in answers)
    return {"prompt_tokens": prompt_tokens, "completion_tokens": done, "total_tokens": prompt_tokens + done}


class _Handler(LoopbackHandler):
    def route(self, request: RecordedRequest) -> None:
        path = AZURE_DEPLOYMENT.sub("/v1/", request.path.split("?", 1)[0])  # Azure: same API, other paths
        route = ROUTES.get((request.method, path))
        if route is None:
            return self._error(404, f"Invalid URL ({request.method} {path})")
        parsed = request.json
        if request.method == "POST" and not isinstance(parsed, dict):
            return self._error(400, "We could not parse the JSON body of your request.", ERROR_CODES[400])
        params: Json = parsed if isinstance(parsed, dict) else {}
        simulated = re.fullmatch(r"error-([45]\d\d)", str(params.get("model", "")))
        if simulated:
            status = int(simulated[1])
            return self._error(status, f"Simulated {status} error", ERROR_CODES.get(status, "simulated"))
        if params.get("model") == "flaky-429" and self.owner.first_attempt(compact(params)):
            # Rate limited once per distinct request, with the delay a real API asks for.
            error = {
                "message": "Rate limit reached",
                "type": "requests",
                "param": None,
                "code": "rate_limit_exceeded",
            }
            return self.send_json(429, {"error": error}, {"retry-after": str(FLAKY_RETRY_AFTER)})
        route(self, params)

    def _error(self, status: int, message: str, code: str | None = None) -> None:
        kind = "requests" if status == 429 else "server_error" if status >= 500 else "invalid_request_error"
        error = {"message": message, "type": kind, "param": None, "code": code}
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

    @staticmethod
    def _head(prefix: str, obj: str, params: Json) -> Json:
        """The per-call random envelope every completion (and chunk) carries."""
        return {
            "id": f"{prefix}-{uuid.uuid4().hex}",
            "object": obj,
            "created": int(time.time()),
            "model": params.get("model"),
            "system_fingerprint": "fp_test",
        }

    def _chat(self, params: Json) -> None:
        messages = [m for m in params.get("messages") or [] if isinstance(m, dict)]
        user = [m for m in messages if m.get("role") == "user"]
        answers = _answers([_text_of(user[-1].get("content")) if user else ""], int(params.get("n") or 1))
        usage = _usage(sum(_words(_text_of(m.get("content"))) for m in messages), answers)
        if not params.get("stream"):
            choices = [
                {
                    "index": i,
                    "message": {"role": "assistant", "content": a, "refusal": None},
                    "logprobs": None,
                    "finish_reason": "stop",
                }
                for i, a in enumerate(answers)
            ]
            head = self._head("chatcmpl", "chat.completion", params)
            return self.send_json(200, {**head, "choices": choices, "usage": usage})

        def choice(i: int, delta: Json, finish: str | None = None) -> Json:
            return {"index": i, "delta": delta, "logprobs": None, "finish_reason": finish}

        indexes = range(len(answers))
        chunks = [choice(i, {"role": "assistant", "content": ""}) for i in indexes]
        chunks += [choice(i, {"content": p}) for i, p in _interleave(answers)]
        chunks += [choice(i, {}, "stop") for i in indexes]
        self._stream(self._head("chatcmpl", "chat.completion.chunk", params), chunks, params, usage)

    def _completions(self, params: Json) -> None:
        prompts = _as_strings(params.get("prompt", ""))
        answers = _answers(prompts, int(params.get("n") or 1))
        usage = _usage(sum(_words(p) for p in prompts), answers)

        def choice(i: int, text: str, finish: str | None = None) -> Json:
            return {"text": text, "index": i, "logprobs": None, "finish_reason": finish}

        head = self._head("cmpl", "text_completion", params)
        if not params.get("stream"):
            choices = [choice(i, a, "stop") for i, a in enumerate(answers)]
            return self.send_json(200, {**head, "choices": choices, "usage": usage})
        chunks = [choice(i, p) for i, p in _interleave(answers)]
        self._stream(head, chunks + [choice(i, "", "stop") for i in range(len(answers))], params, usage)

    def _embeddings(self, params: Json) -> None:
        texts = _as_strings(params.get("input", ""))
        as_base64 = params.get("encoding_format") == "base64"
        data = []
        for i, text in enumerate(texts):
            vector = _embedding(text)
            encoded = base64.b64encode(struct.pack("<8f", *vector)).decode() if as_base64 else vector
            data.append({"object": "embedding", "index": i, "embedding": encoded})
        tokens = sum(_words(t) for t in texts)
        usage = {"prompt_tokens": tokens, "total_tokens": tokens}
        self.send_json(200, {"object": "list", "data": data, "model": params.get("model"), "usage": usage})

    def _models(self, params: Json) -> None:
        self.send_json(200, {"object": "list", "data": MODELS})


# Azure OpenAI serves the same API under /openai/deployments/<deployment>/...?api-version=...
AZURE_DEPLOYMENT = re.compile(r"^/openai/deployments/[^/]+/")
ROUTES: dict[tuple[str, str], Callable[[_Handler, Json], None]] = {
    ("POST", "/v1/chat/completions"): _Handler._chat,
    ("POST", "/v1/completions"): _Handler._completions,
    ("POST", "/v1/embeddings"): _Handler._embeddings,
    ("GET", "/v1/models"): _Handler._models,
}


class OpenAICompatibleServer(LoopbackServer):
    """OpenAI's wire format, at ``http://127.0.0.1:<port>/v1``."""

    handler = _Handler
    path_prefix = "/v1"


if __name__ == "__main__":  # serve in the foreground, e.g. to re-record example_suite
    import sys

    serve_forever(
        OpenAICompatibleServer(port=int(sys.argv[1]) if len(sys.argv) > 1 else 8765, event_delay=0.0),
        "OpenAI-compatible",
    )
