"""One row per recording, and the counts over many: what ``llmrec ls`` and ``llmrec stats`` print.

The provider is told from what the file holds (the SDK type of its body, the endpoint, the host it
was recorded from), since a recording does not say which provider's key it was made with.
"""

from __future__ import annotations

import urllib.parse
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pytest_llmrec.reading.answers import assemble
from pytest_llmrec.reading.found import Found
from pytest_llmrec.storage import payloads

# Column names, in the order ``llmrec ls`` shows them; each is a field of ``Row``.
COLUMNS = ("scope", "provider", "endpoint", "model", "stream", "status", "tokens", "size", "file")


@dataclass(frozen=True)
class Row:
    """A recording at a glance."""

    scope: str
    provider: str
    endpoint: str
    model: str
    stream: bool
    status: int
    tokens: int
    size: int
    file: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def provider(found: Found) -> str:
    """openai, azure, anthropic, ollama, bedrock, gemini, or the host it was recorded from."""
    request = found.recording.request
    parts = urllib.parse.urlsplit(request.url)
    host, path = parts.hostname or "", request.endpoint or parts.path
    body = found.recording.response.body
    first = body[0] if isinstance(body, list) and body else body
    sdk = (payloads.type_of(first) or "").split(".", 1)[0]
    if host.endswith(".openai.azure.com") or path.startswith("/openai/deployments/"):
        return "azure"
    if host.startswith("bedrock") or ".bedrock" in host:
        return "bedrock"
    if sdk == "anthropic" or path.startswith("/v1/messages"):
        return "anthropic"
    if sdk == "ollama" or path.startswith("/api/"):
        return "ollama"
    if sdk == "google" or "generate_content" in path or host.endswith("googleapis.com"):
        return "gemini"
    if sdk == "openai" or host == "api.openai.com" or path.startswith("/v1/"):
        return "openai"
    return host or "?"


def row(found: Found, relative_to: Path | None = None) -> Row:
    recording = found.recording
    file = found.path
    if relative_to is not None and file.is_relative_to(relative_to):
        file = file.relative_to(relative_to)
    return Row(
        scope=recording.scope or "",
        provider=provider(found),
        endpoint=recording.request.endpoint or urllib.parse.urlsplit(recording.request.url).path,
        model=recording.request.model or assemble(recording).model or "",  # read the answer only if needed
        stream=recording.response.is_streaming,
        status=recording.response.status,
        tokens=payloads.tokens_used(recording.response.body),
        size=found.size,
        file=str(file),
    )


@dataclass
class Stats:
    """Counts over many recordings."""

    recordings: int = 0
    bytes: int = 0
    tokens: int = 0
    streams: int = 0
    errors: int = 0  # recorded answers with a status of 400 or more
    providers: Counter[str] = field(default_factory=Counter)
    endpoints: Counter[str] = field(default_factory=Counter)
    models: Counter[str] = field(default_factory=Counter)
    scopes: int = 0
    largest: list[Row] = field(default_factory=list)

    @classmethod
    def of(cls, rows: list[Row], largest: int = 5) -> Stats:
        stats = cls(recordings=len(rows))
        for each in rows:
            stats.bytes += each.size
            stats.tokens += each.tokens
            stats.streams += each.stream
            stats.errors += each.status >= 400
            stats.providers[each.provider] += 1
            stats.endpoints[each.endpoint] += 1
            stats.models[each.model or "(none)"] += 1
        stats.scopes = len({each.scope for each in rows})
        stats.largest = sorted(rows, key=lambda each: (-each.size, each.file))[:largest]
        return stats

    def to_json(self) -> dict[str, Any]:
        return {
            "recordings": self.recordings,
            "scopes": self.scopes,
            "bytes": self.bytes,
            "tokens": self.tokens,
            "streams": self.streams,
            "errors": self.errors,
            "providers": dict(self.providers.most_common()),
            "endpoints": dict(self.endpoints.most_common()),
            "models": dict(self.models.most_common()),
            "largest": [{"file": each.file, "size": each.size} for each in self.largest],
        }
