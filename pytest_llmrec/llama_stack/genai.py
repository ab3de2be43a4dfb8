"""llama-stack's google-genai recordings: the HTTP exchange their SDK arguments stand for.

llama-stack records Vertex AI calls as ``generate_content`` arguments (snake_case, no
URL) and the SDK's response objects. To match them against what the SDK really
sends, the installed google-genai SDK itself turns the arguments into its request
(sent to an in-memory transport, never the network); responses go back to Vertex
AI's camelCase JSON. Without google-genai installed these files are reported, not
replayed.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

import orjson

from pytest_llmrec.storage import codec

# The SDK method each recorded endpoint stands for, and whether it streams.
METHODS = {
    "/generate_content": ("generate_content", False),
    "/generate_content_stream": ("generate_content_stream", True),
}
SDK_ONLY_FIELDS = ("sdk_http_response", "automatic_function_calling_history")
PUBLISHERS = "/publishers/"


def match_path(path: str) -> str:
    """Vertex AI paths carry the caller's project and location; match from ``/publishers/`` on."""
    index = path.find(PUBLISHERS)
    return path[index:] if index >= 0 else path


class _Recorder:
    """One google-genai client for the whole run, sending to memory: building a client costs ~0.1 s."""

    def __init__(self) -> None:
        import httpx
        from google import genai
        from google.genai import types
        from google.oauth2.credentials import Credentials

        self.sent: list[Any] = []
        self.lock = threading.Lock()
        transport = httpx.MockTransport(self._capture)
        self.client = genai.Client(
            vertexai=True,
            project="replay",
            location="us-central1",
            credentials=Credentials(token="replay"),  # type: ignore[no-untyped-call]
            http_options=types.HttpOptions(httpx_client=httpx.Client(transport=transport)),
        )

    def _capture(self, request: Any) -> Any:
        import httpx

        self.sent.append(request)
        return httpx.Response(200, json={"candidates": []})

    def request_for(self, method: str, streams: bool, body: dict[str, Any]) -> tuple[str, bytes]:
        with self.lock:
            self.sent.clear()
            result = getattr(self.client.models, method)(
                model=body.get("model"), contents=body.get("contents"), config=body.get("config")
            )
            if streams:
                list(result)
            return match_path(self.sent[0].url.path), self.sent[0].content


@functools.cache
def _recorder() -> _Recorder | None:
    try:
        return _Recorder()
    except ImportError:
        return None


def wire_request(document: dict[str, Any]) -> tuple[str, bytes] | str:
    """The path and JSON body google-genai sends for the recorded call, or why it cannot be known."""
    request = document["request"]
    endpoint = request.get("endpoint")
    if endpoint not in METHODS:
        return f"records google-genai's {endpoint!r}, which pytest-llmrec does not map to HTTP"
    recorder = _recorder()
    if recorder is None:
        return "records a google-genai SDK call; install google-genai to replay it"
    method, streams = METHODS[endpoint]
    return recorder.request_for(method, streams, request.get("body") or {})


def _wire_json(chunk: Any) -> Any:
    from google.genai import types

    if not isinstance(chunk, dict):
        return chunk
    fields = {k: v for k, v in chunk.items() if k not in SDK_ONLY_FIELDS}
    return types.GenerateContentResponse.model_validate(fields).model_dump(
        mode="json", by_alias=True, exclude_none=True
    )


def wire_response(response: dict[str, Any]) -> codec.StoredResponse:
    """The Vertex AI response a recorded google-genai result came from: JSON, or SSE events."""
    body = response.get("body")
    if response.get("is_streaming") and isinstance(body, list):
        events = b"".join(b"data: " + orjson.dumps(_wire_json(chunk)) + b"\n\n" for chunk in body)
        return codec.encode_response(200, [("content-type", "text/event-stream")], events)
    return codec.StoredResponse(200, codec.JSON, _wire_json(body), "application/json")
