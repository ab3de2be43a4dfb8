"""Provider-generated ids: stable in recordings and in what the client sees, real on the wire.

A provider invents ids on every call (``chatcmpl-…``, ``resp_…``, ``call_…``, ``toolu_…``,
``file-…``). Each new one a response brings becomes ``rec-<hash12>`` (then ``rec-<hash12>-2``,
…) derived from the request key, so re-recording the same answer writes the same bytes.
The client is handed the stable ids in every mode, so its next request carries them and
keys the same whether it was replayed or recorded; before such a request goes live, each
stable id is translated back to the real one. The pairs a response introduced are stored
in its recording's ``id_normalization_mapping``, so a later live request can still be
translated after the earlier one was replayed.

Timestamps that change on every call (``created``, ``created_at``, Ollama's durations) are
fixed along with the ids.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable
from typing import Any

import orjson

# Fields that hold ids, and the shapes of the ids providers generate.
ID_FIELDS = frozenset(
    {"id", "call_id", "item_id", "response_id", "previous_response_id", "tool_call_id", "tool_use_id"}
    | {"file_id", "vector_store_id", "batch_id", "conversation_id"}
)
GENERATED_ID = re.compile(
    r"(?:chatcmpl|cmpl|resp|msg|fc|rs|ctc|call|toolu|srvtoolu|file|vs|batch|upload|ftjob|conv)[-_]"
    r"[A-Za-z0-9_-]{6,}"
    r"|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
)
STABLE_ID = re.compile(r"rec-[0-9a-f]{12}(?:-[0-9]+)?")
# Objects whose own "id" is always per call, whatever its shape (vLLM, Together, ...).
PER_CALL_OBJECTS = frozenset({"chat.completion", "chat.completion.chunk", "text_completion", "response"})
TIMESTAMPS = ("created", "created_at", "completed_at")
OLLAMA_TIMES = ("created_at", "expires_at")
EPOCH = "1970-01-01T00:00:00Z"


def stable_id(key_digest: str, occurrence: int, ordinal: int = 1) -> str:
    """The ``ordinal``-th new id of the ``occurrence``-th response to the request with this key."""
    if occurrence > 1:
        key_digest = hashlib.sha256(f"{key_digest}:{occurrence}".encode()).hexdigest()
    base = f"rec-{key_digest[:12]}"
    return base if ordinal == 1 else f"{base}-{ordinal}"


class IdMap:
    """One test's pairs of real and stable ids, shared by its requests (thread-safe)."""

    def __init__(self) -> None:
        self._stable: dict[str, str] = {}  # real -> stable
        self._real: dict[str, str] = {}  # stable -> real
        self._lock = threading.Lock()
        self._pattern: re.Pattern[str] | None = None

    def learn(self, mapping: dict[str, str]) -> None:
        """Take the pairs of a replayed recording (stable -> real)."""
        with self._lock:
            for stable, real in mapping.items():
                if isinstance(stable, str) and isinstance(real, str):
                    self._add(real, stable)

    def _add(self, real: str, stable: str) -> None:
        self._stable[real] = stable
        self._real[stable] = real
        self._pattern = None

    def to_real(self, text: str) -> str:
        """``text`` with every stable id this test knows replaced by its real id."""
        if "rec-" not in text:
            return text
        with self._lock:
            return STABLE_ID.sub(lambda m: self._real.get(m[0], m[0]), text)

    def to_real_bytes(self, data: bytes) -> bytes:
        if b"rec-" not in data:
            return data
        return self.to_real(data.decode("latin-1")).encode("latin-1")  # ids are ASCII: bytes pass through

    def response(self, key_digest: str, occurrence: int) -> ResponseIds:
        return ResponseIds(self, key_digest, occurrence)

    def stable_for(self, real: str, fresh: Callable[[], str]) -> tuple[str, bool]:
        with self._lock:
            if real in self._stable:
                return self._stable[real], False
            stable = fresh()
            self._add(real, stable)
            return stable, True

    def knows(self, real: str) -> bool:
        with self._lock:
            return real in self._stable

    def substitute(self, text: str) -> str:
        """``text`` with every real id this test knows replaced by its stable id."""
        with self._lock:
            if not self._stable:
                return text
            if self._pattern is None:
                alternatives = sorted(self._stable, key=len, reverse=True)
                self._pattern = re.compile("|".join(map(re.escape, alternatives)))
            pattern, table = self._pattern, self._stable
        return pattern.sub(lambda m: table[m[0]], text)


class ResponseIds:
    """Normalises the bodies (or stream events) of one response; ``pairs`` are the ids it introduced."""

    def __init__(self, ids: IdMap, key_digest: str, occurrence: int) -> None:
        self._ids = ids
        self._digest, self._occurrence = key_digest, occurrence
        self.pairs: dict[str, str] = {}  # stable -> real, for id_normalization_mapping

    def _fresh(self) -> str:
        return stable_id(self._digest, self._occurrence, len(self.pairs) + 1)

    def normalize(self, value: Any, endpoint: str) -> Any:
        """``value`` with generated ids made stable and per-call timestamps fixed."""
        for real in _generated_ids(value):
            stable, new = self._ids.stable_for(real, self._fresh)
            if new:
                self.pairs[stable] = real
        return _rewrite(value, self._ids, ollama=endpoint.startswith("/api/"), depth=0)

    def normalize_json(self, data: bytes, endpoint: str) -> bytes:
        """A JSON document's bytes, normalised; bytes that are not JSON pass unchanged."""
        try:
            value = orjson.loads(data)
        except orjson.JSONDecodeError:
            return data
        normalized = self.normalize(value, endpoint)
        return data if normalized == value else orjson.dumps(normalized)


def _generated_ids(value: Any) -> list[str]:
    """Ids a provider generated, in document order (so the numbering is the same every time)."""
    found: list[str] = []

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            per_call = node.get("object") in PER_CALL_OBJECTS or node.get("type") == "message"
            for key, item in node.items():
                if isinstance(item, str) and key in ID_FIELDS and not STABLE_ID.fullmatch(item):
                    if (key == "id" and per_call) or GENERATED_ID.fullmatch(item):
                        found.append(item)
                elif isinstance(item, (dict, list)):
                    visit(item)
        elif isinstance(node, list):
            for item in node:
                visit(item)

    visit(value)
    return list(dict.fromkeys(found))


def _rewrite(value: Any, ids: IdMap, *, ollama: bool, depth: int) -> Any:
    """Known real ids replaced in every string; timestamps fixed at the top level (not of a model,
    whose ``created`` is a release date) and in every object whose own id was replaced."""
    if isinstance(value, str):
        return ids.substitute(value)
    if isinstance(value, list):
        return [_rewrite(item, ids, ollama=ollama, depth=depth + 1) for item in value]
    if not isinstance(value, dict):
        return value
    own_id = value.get("id")
    fixed_times = (depth == 0 and value.get("object") != "model") or (
        isinstance(own_id, str) and ids.knows(own_id)
    )
    out: dict[str, Any] = {}
    for key, item in value.items():
        number = isinstance(item, (int, float)) and not isinstance(item, bool)  # created_at: 1733000000.123
        if ollama and key in OLLAMA_TIMES and isinstance(item, str):
            out[key] = EPOCH
        elif number and ((ollama and key.endswith("_duration")) or (fixed_times and key in TIMESTAMPS)):
            out[key] = 0
        else:
            out[key] = _rewrite(item, ids, ollama=ollama, depth=depth + 1)
    return out
