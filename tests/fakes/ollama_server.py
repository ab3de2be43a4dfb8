"""An Ollama native-API server on 127.0.0.1 for record-mode tests (standard library only).

Content is deterministic given the request; ``created_at`` and the durations change on every call,
like a real Ollama, so tests can tell recordings apart. Unlike OpenAI, Ollama streams by default,
as newline-delimited JSON rather than server-sent events.
"""

from __future__ import annotations

import hashlib
import math
import random
import re
import struct
import time
from collections.abc import Callable
from typing import cast

from .loopback import Json, LoopbackHandler, LoopbackServer, RecordedRequest, compact, serve_forever

_LLAMA_DETAILS: Json = {
    "parent_model": "",
    "format": "gguf",
    "family": "llama",
    "families": ["llama"],
    "parameter_size": "3.2B",
    "quantization_level": "Q4_K_M",
}
_NOMIC_DETAILS: Json = {
    "parent_model": "",
    "format": "gguf",
    "family": "nomic-bert",
    "families": ["nomic-bert"],
    "parameter_size": "137M",
    "quantization_level": "F16",
}
# What /api/tags lists; "size" is on disk. RAM is the size a loaded model takes, as /api/ps reports it.
MODELS: list[Json] = [
    {
        "name": "llama3.2:3b",
        "model": "llama3.2:3b",
        "modified_at": "2025-09-30T11:20:31.123456789-07:00",
        "size": 2019393189,
        "digest": "a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72",
        "details": _LLAMA_DETAILS,
    },
    {
        "name": "nomic-embed-text:latest",
        "model": "nomic-embed-text:latest",
        "modified_at": "2025-09-30T11:24:02.987654321-07:00",
        "size": 274302450,
        "digest": "0a109f422b47e3a30ba2b10eca18548e944e8a23073ee3f3e947efcf3c45e59f",
        "details": _NOMIC_DETAILS,
    },
]
RAM = {"llama3.2:3b": 3367856128, "nomic-embed-text:latest": 848677888}
KEEP_ALIVE_NS = 5 * 60 * 10**9  # how long Ollama keeps a model loaded after its last use
DIMENSIONS = 8  # floats per embedding vector
VOCABULARY = 128256  # llama 3's, bounds the token ids in a generate reply's "context"


def _full_name(model: str) -> str:
    """Ollama reads a name without a tag as ``<name>:latest``."""
    return model if ":" in model else f"{model}:latest"


def _go_time(ns: int) -> str:
    """Go's RFC3339Nano in UTC, as Ollama prints times: nanoseconds, trailing zeros trimmed."""
    seconds, nanos = divmod(ns, 10**9)
    fraction = f".{nanos:09d}".rstrip("0").rstrip(".")
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + fraction + "Z"


def _words(text: str) -> int:
    return len(text.split())


def _pieces(text: str) -> list[str]:
    """Word-sized stream pieces that keep their spaces, so joining them gives the text back."""
    return re.findall(r"\s*\S+\s*", text) or [text]


def _token(word: str) -> int:
    return int.from_bytes(hashlib.sha256(word.encode()).digest()[:4], "little") % VOCABULARY


def _embedding(text: str) -> list[float]:
    """A unit-length vector from a hash, as /api/embed normalises its vectors."""
    raw = [u / 2**31 - 1.0 for u in struct.unpack(f"<{DIMENSIONS}I", hashlib.sha256(text.encode()).digest())]
    norm = math.sqrt(sum(x * x for x in raw)) or 1.0
    return [round(x / norm, 8) for x in raw]


def _metrics(prompt_tokens: int, eval_tokens: int) -> Json:
    """Counts follow the request; durations (ns) are drawn anew each call, like a real machine's."""
    load = random.randint(10**6, 5 * 10**7)
    prompt = prompt_tokens * random.randint(2 * 10**5, 10**6)
    evaluation = eval_tokens * random.randint(10**7, 3 * 10**7)
    return {
        "total_duration": load + prompt + evaluation + random.randint(10**5, 10**6),
        "load_duration": load,
        "prompt_eval_count": prompt_tokens,
        "prompt_eval_duration": prompt,
        "eval_count": eval_tokens,
        "eval_duration": evaluation,
    }


class _Handler(LoopbackHandler):
    @property
    def state(self) -> OllamaServer:
        return cast("OllamaServer", self.owner)

    def route(self, request: RecordedRequest) -> None:
        route = ROUTES.get((request.method, request.path.split("?", 1)[0]))
        if route is None:
            return self.send_body(404, b"404 page not found", "text/plain")
        params: Json = request.json if isinstance(request.json, dict) else {}
        if request.method == "POST":
            model = str(params.get("model") or "")
            if not model:
                return self.send_json(400, {"error": "model is required"})
            if _full_name(model) not in RAM:
                return self.send_json(404, {"error": f'model "{model}" not found, try pulling it first'})
            self.state.loaded[_full_name(model)] = time.time_ns()
        route(self, params)

    def _reply(
        self, params: Json, answer: str, prompt_tokens: int, body: Callable[[str], Json], last: Json
    ) -> None:
        """Stream (Ollama's default) one NDJSON line per HTTP chunk, or send the whole answer at once.

        ``body`` wraps a piece of the answer ("message" for chat, "response" for generate); ``last`` holds
        what only the final object carries besides the metrics.
        """
        streaming = params.get("stream") is not False  # absent or null means stream
        pieces = _pieces(answer)
        start, spacing = time.time_ns(), round(self.owner.event_delay * 10**9)

        def head(text: str, index: int) -> Json:
            """Stamped when line ``index`` will go out, as Ollama stamps each piece when it is generated."""
            stamp = _go_time(start + index * spacing)
            return {"model": params["model"], "created_at": stamp, **body(text)}

        closing = {"done": True, "done_reason": "stop", **last, **_metrics(prompt_tokens, len(pieces))}
        if not streaming:
            return self.send_json(200, {**head(answer, 0), **closing})
        final = {**head("", len(pieces)), **closing}
        lines = [compact({**head(p, i), "done": False}) + b"\n" for i, p in enumerate(pieces)]
        self.send_chunks("application/x-ndjson", [*lines, compact(final) + b"\n"])

    def _chat(self, params: Json) -> None:
        messages = [m for m in params.get("messages") or [] if isinstance(m, dict)]
        users = [str(m.get("content") or "") for m in messages if m.get("role") == "user"]
        prompt_tokens = sum(_words(str(m.get("content") or "")) for m in messages)

        def body(text: str) -> Json:
            return {"message": {"role": "assistant", "content": text}}

        self._reply(params, f"Echo: {users[-1] if users else ''}", prompt_tokens, body, {})

    def _generate(self, params: Json) -> None:
        prompt = str(params.get("prompt") or "")
        answer = f"Echo: {prompt}"
        # The token ids a follow-up request can pass back to resume the conversation.
        context = [_token(w) for w in f"{prompt} {answer}".split()]
        prompt_tokens = _words(str(params.get("system") or "")) + _words(prompt)
        self._reply(params, answer, prompt_tokens, lambda text: {"response": text}, {"context": context})

    def _embed(self, params: Json) -> None:
        raw = params.get("input", "")
        texts = [raw] if isinstance(raw, str) else [str(t) for t in raw or []]
        metrics = _metrics(sum(map(_words, texts)), 0)
        counts = {k: metrics[k] for k in ("total_duration", "load_duration", "prompt_eval_count")}
        vectors = [_embedding(t) for t in texts]
        self.send_json(200, {"model": params["model"], "embeddings": vectors, **counts})

    def _tags(self, params: Json) -> None:
        self.send_json(200, {"models": MODELS})

    def _ps(self, params: Json) -> None:
        """The models used within the keep-alive window, most recently used first, as Ollama lists them."""
        now, running = time.time_ns(), []
        for model in MODELS:
            used = self.state.loaded.get(model["name"])
            if used is None or now - used >= KEEP_ALIVE_NS:
                continue
            ram = RAM[model["name"]]
            entry = {k: model[k] for k in ("name", "model", "digest", "details")}
            memory = {"size": ram, "size_vram": ram, "context_length": 4096}
            running.append((used, {**entry, **memory, "expires_at": _go_time(used + KEEP_ALIVE_NS)}))
        running.sort(key=lambda item: -item[0])
        self.send_json(200, {"models": [entry for _, entry in running]})


ROUTES: dict[tuple[str, str], Callable[[_Handler, Json], None]] = {
    ("POST", "/api/chat"): _Handler._chat,
    ("POST", "/api/generate"): _Handler._generate,
    ("POST", "/api/embed"): _Handler._embed,
    ("GET", "/api/tags"): _Handler._tags,
    ("GET", "/api/ps"): _Handler._ps,
}


class OllamaServer(LoopbackServer):
    """Ollama's native API at ``http://127.0.0.1:<port>`` (paths under ``/api``)."""

    handler = _Handler
    # A real Ollama sends no request id; the loopback base stamps one on every reply all the same.
    request_id_header = "x-request-id"

    def __init__(self, event_delay: float = 0.01, port: int = 0) -> None:
        super().__init__(event_delay, port)
        self.loaded: dict[str, int] = {}  # full model name -> time.time_ns() of its last use, for /api/ps


if __name__ == "__main__":  # serve in the foreground, e.g. to re-record a suite by hand
    import sys

    serve_forever(
        OllamaServer(port=int(sys.argv[1]) if len(sys.argv) > 1 else 11434, event_delay=0.0), "Ollama"
    )
