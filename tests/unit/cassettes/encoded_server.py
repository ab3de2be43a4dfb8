"""A loopback server whose answers are compressed (gzip, zlib and raw deflate) or streamed (SSE, Gemini's
JSON array): what VCR.py's clients store in so many different ways, recorded for real by the tests."""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import vcr

from fakes.loopback import LoopbackHandler, LoopbackServer, RecordedRequest
from pytest_llmrec.storage import encodings

ANSWER = {"id": "chatcmpl-abcdef123456", "object": "test.answer", "choices": [{"text": "Sol"}]}
EVENTS = [{"type": "start", "n": 1}, {"type": "delta", "text": "So"}, {"type": "delta", "text": "l"}]
GEMINI = [{"candidates": [{"content": {"parts": [{"text": part}]}}]} for part in ("S", "o", "l")]


def raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


CODERS: dict[str, Callable[[bytes], bytes]] = {"gzip": gzip.compress, "deflate": zlib.compress}
if encodings.brotli_module() is not None:  # the test extras install it; clients decode br only with it
    CODERS["br"] = encodings.brotli_module().compress


class _Handler(LoopbackHandler):
    def route(self, request: RecordedRequest) -> None:
        path = request.path.split("?")[0]
        body = json.dumps(ANSWER).encode()
        if path == "/sse":
            frames = [f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in EVENTS]
            return self.send_chunks("text/event-stream", [*frames, b"data: [DONE]\n\n"])
        if path.endswith(":streamGenerateContent"):
            parts = [json.dumps(item) for item in GEMINI]
            chunks = [f"[{parts[0]}", *(f",\r\n{p}" for p in parts[1:]), "]"]
            return self.send_chunks("application/json", [chunk.encode() for chunk in chunks])
        coding = path.strip("/")
        if coding == "raw-deflate":
            return self.send_body(200, raw_deflate(body), "application/json", {"Content-Encoding": "deflate"})
        if coding in CODERS:
            return self.send_body(200, CODERS[coding](body), "application/json", {"Content-Encoding": coding})
        self.send_json(404, {"error": path})


class EncodedServer(LoopbackServer):
    handler = _Handler


def record(path: Path, calls: Callable[[], Any], **options: Any) -> Any:
    """Run ``calls`` inside VCR.py's ``use_cassette(path)``, as pytest-recording would: a real cassette."""
    with vcr.VCR(**options).use_cassette(str(path)):
        return calls()
