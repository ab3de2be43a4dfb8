"""Keep secrets off disk and out of messages: the last step before a recording is written.

Request headers never reach a recording and credential query parameters are dropped earlier.
Here every credential a test's requests carried (``learn``) and every credential environment
variable is replaced by its label wherever it appears: plain, inside base64 (a binary body too),
and split across the events of a stream. Credential fields of request bodies are replaced by
name. A document that still holds something shaped like a known key is refused, naming the
field and the vendor.
"""

from __future__ import annotations

import base64
import os
import threading
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from pytest_llmrec.errors import SecretInRecordingError
from pytest_llmrec.jsonpath import ANY_INDEX, JsonPath
from pytest_llmrec.media import Headers
from pytest_llmrec.storage import credentials, key_shapes, payloads
from pytest_llmrec.storage.credentials import CREDENTIAL_ENV_VARS, Credential, Names

__all__ = ["CREDENTIAL_ENV_VARS", "SCRUBBED", "Scrubber", "scrub_message"]

SCRUBBED = "<scrubbed>"
BASE64_DEPTH = 3  # base64 in base64 in a binary body: an echo of an echo
Secrets = list[tuple[str, str]]  # (value, label), longest value first


class Scrubber:
    """What to keep off disk: credential environment variables (the known ones, any named like one,
    and those the user names), what the test's requests carried, credential body fields, and
    JSON paths of request and response bodies (``metadata.user_id``, ``messages[*].name``)."""

    def __init__(
        self,
        env_vars: Iterable[str] = CREDENTIAL_ENV_VARS,
        body_paths: Iterable[JsonPath] = (),
        names: Names | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.env_vars = tuple(env_vars)
        self.body_paths = tuple(body_paths)
        self.names = names or Names()
        self._environ = environ
        self._learned: dict[str, str] = {}  # value -> label
        self._lock = threading.Lock()

    def learn(self, url: str, headers: Headers, body: bytes | None, content_type: str | None) -> None:
        """Remember the credentials a request carried: they are replaced in every recording of the test."""
        found = credentials.from_request(url, headers, body, content_type, self.names)
        with self._lock:
            for credential in found:
                self._learned.setdefault(credential.value, credential.label)

    def secrets(self) -> Secrets:
        """(value, label) of every credential known now, longest first so none is half-replaced."""
        environ = os.environ if self._environ is None else self._environ
        known: dict[str, str] = {}
        with self._lock:
            learned = [Credential(label, value) for value, label in self._learned.items()]
        for credential in [*credentials.from_environment(environ, self.env_vars), *learned]:
            if credentials.worth_replacing(credential.value):
                for form in credentials.written_forms(credential.value):
                    known.setdefault(form, credential.label)
        return sorted(known.items(), key=lambda pair: -len(pair[0]))

    def scrub_body(self, body: Any, part: str) -> Any:
        """A request's or response's body with credential fields and configured paths replaced."""
        fields = self.names.fields - (credentials.NOT_IN_RESPONSES if part == "response" else set())
        body = _replace_fields(body, fields)
        for path in self.body_paths:
            body = _body_replace(body, path)
        secrets = self.secrets()
        return _replace(body, secrets) if secrets else body

    def scrub(self, document: Any) -> Any:
        """The document with credential fields, configured paths and every known credential replaced."""
        for part in ("request", "response"):
            if isinstance(document.get(part), dict) and "body" in document[part]:
                body = self.scrub_body(document[part]["body"], part)
                document = {**document, part: {**document[part], "body": body}}
        secrets = self.secrets()
        if not secrets:
            return document
        document = _replace(document, secrets)
        response = document.get("response")
        if isinstance(response, dict) and isinstance(response.get("body"), list):
            _replace_across(response["body"], secrets)
        return _resize(document)

    def scrub_text(self, text: str) -> str:
        """A message with every known credential replaced and anything key-shaped masked."""
        return key_shapes.mask(_replace_string(text, self.secrets()))

    def check(self, document: Any, where: str) -> None:
        """Refuse a document that still holds something shaped like a key."""
        found = next(hits(document), None)
        if found is not None:
            path, hit = found
            raise SecretInRecordingError(
                f"{where}: not written: {path} holds what looks like {hit.describe()}. "
                "Keep keys out of prompts, or scrub them: set the variable that holds it and name it "
                "in the ini option llm_scrub_env_vars, or name its header, query parameter or field in "
                "llm_scrub_headers, llm_scrub_query_params or llm_scrub_fields."
            )


def scrub_message(text: str) -> str:
    """A message the plugin prints, with credential environment variables and key shapes masked."""
    return Scrubber().scrub_text(text)


def hits(document: Any) -> Iterator[tuple[str, key_shapes.Hit]]:
    """(field path, hit) of every field holding something key-shaped: in a string, in its base64, in
    bytes (YAML's ``!!binary``), or in a stream's text joined across events."""
    for path, value in strings(document, ""):
        if isinstance(value, bytes):
            hit = key_shapes.find_in_bytes(value)
        else:
            hit = key_shapes.find(value) or key_shapes.field_hit(path.rpartition(".")[2], value)
        if hit is not None:
            yield path or "<document>", hit
    yield from stream_hits(document)


def stream_hits(document: Any) -> Iterator[tuple[str, key_shapes.Hit]]:
    """(field path, hit) of what is key-shaped only once a stream's events are joined."""
    body = document.get("response", {}).get("body") if isinstance(document, dict) else None
    if isinstance(body, list):
        for field, joined in joined_stream_text(body):
            hit = key_shapes.find(joined)
            if hit is not None:
                yield f"response.body[*].{field} (joined across stream events)", hit


def _body_replace(body: Any, path: JsonPath) -> Any:
    """Replace what ``path`` points at in a body, in each event of a stream, inside typed payloads."""
    if isinstance(body, list) and path.steps[0] != ANY_INDEX and not isinstance(path.steps[0], int):
        return [_body_replace(item, path) for item in body]
    if payloads.is_typed(body):
        return {**body, payloads.DATA_KEY: _body_replace(body[payloads.DATA_KEY], path)}
    return path.replace_in(body, SCRUBBED)


def _replace_fields(value: Any, fields: frozenset[str]) -> Any:
    """Each string under a credential field name, at any depth, replaced by ``<field NAME>``."""
    if isinstance(value, dict):
        return {
            key: f"<field {key}>"
            if isinstance(item, str) and item and credentials.normal_name(str(key)) in fields
            else _replace_fields(item, fields)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_replace_fields(item, fields) for item in value]
    return value


def _replace(value: Any, secrets: Secrets) -> Any:
    if isinstance(value, str):
        return _replace_string(value, secrets)
    if isinstance(value, dict):
        return {_replace(k, secrets): _replace(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace(v, secrets) for v in value]
    return value


def _replace_string(text: str, secrets: Secrets, depth: int = 0) -> str:
    """``text`` with each secret replaced, in it and in its base64 runs (three levels: a base64 binary
    body may hold base64 itself)."""
    for secret, label in secrets:
        text = text.replace(secret, label)
    if depth >= BASE64_DEPTH:
        return text
    for run in set(key_shapes.base64_runs(text)):
        decoded = key_shapes.decode_base64(run)
        if decoded is None:
            continue
        cleaned = decoded
        for secret, label in secrets:
            cleaned = cleaned.replace(secret.encode(), label.encode())
        cleaned = _replace_string(cleaned.decode("latin-1"), secrets, depth + 1).encode("latin-1")
        if cleaned != decoded:
            text = text.replace(run, _encode_like(run, cleaned))
    return text


def _encode_like(run: str, data: bytes) -> str:
    """``data`` in base64 of the run's alphabet and padding (a stored binary body must stay decodable)."""
    urlsafe = "-" in run or "_" in run
    encoded = (base64.urlsafe_b64encode(data) if urlsafe else base64.b64encode(data)).decode("ascii")
    return encoded if len(run) % 4 == 0 else encoded.rstrip("=")  # padded, unless the run was not


def _leaves(value: Any, path: str) -> Iterator[tuple[str, Any, Any]]:
    """(path, container, key) of every string under ``value``, for replacing in place."""
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        inner = f"{path}.{key}" if isinstance(value, dict) else f"{path}[{key}]"
        if isinstance(item, str):
            yield inner.lstrip("."), value, key
        else:
            yield from _leaves(item, inner)


def _stream_fields(events: list[Any]) -> dict[str, list[tuple[Any, Any]]]:
    """Each field path of a stream's events and the places it holds a string, in event order."""
    grouped: dict[str, list[tuple[Any, Any]]] = {}
    for event in events:
        for path, container, key in _leaves(event, ""):
            grouped.setdefault(path, []).append((container, key))
    return grouped


def joined_stream_text(events: list[Any]) -> Iterator[tuple[str, str]]:
    """(field path, the field's strings joined across events) where a field spans several events."""
    for path, places in _stream_fields(events).items():
        if len(places) > 1:
            yield path, "".join(container[key] for container, key in places)


def _replace_across(events: list[Any], secrets: Secrets) -> None:
    """Replace, in place, credentials split across the events of a stream, plain or in base64: the
    first piece takes the replacement, the following pieces lose their part of the credential."""
    for places in _stream_fields(events).values():
        if len(places) < 2:
            continue
        pieces = [container[key] for container, key in places]
        joined = "".join(pieces)
        for secret, label in secrets:
            start = joined.find(secret)
            while start >= 0:
                pieces = _cut(pieces, start, start + len(secret), label)
                joined = "".join(pieces)
                start = joined.find(secret)
        for run in reversed(list(key_shapes.base64_run_spans(joined))):
            cleaned = _replace_string(run.group(), secrets)
            if cleaned != run.group():
                pieces = _cut(pieces, run.start(), run.end(), cleaned)
        for (container, key), piece in zip(places, pieces, strict=True):
            container[key] = piece


def _cut(pieces: list[str], start: int, end: int, label: str) -> list[str]:
    """The pieces with the span [start, end) of their concatenation replaced by ``label``."""
    out, offset, placed = [], 0, False
    for piece in pieces:
        lo, hi = max(start - offset, 0), min(end - offset, len(piece))
        offset += len(piece)
        if lo < hi:
            piece = piece[:lo] + ("" if placed else label) + piece[hi:]
            placed = True
        out.append(piece)
    return out


def _resize(document: Any) -> Any:
    """Binary bodies keep a ``size`` beside their base64: it follows a replacement inside them."""
    for part in ("request", "response"):
        section = document.get(part)
        if not isinstance(section, dict):
            continue
        body = section.get("body")
        if part == "response" and section.get("format") == "base64" and isinstance(body, str):
            decoded = key_shapes.decode_base64(body)
            if decoded is not None and "size" in section:
                document = {**document, part: {**section, "size": len(decoded)}}
        elif isinstance(body, dict) and payloads.type_of(body) == payloads.BYTES:
            data = body.get(payloads.DATA_KEY)
            decoded = key_shapes.decode_base64(data) if isinstance(data, str) else None
            if decoded is not None:
                document = {**document, part: {**section, "body": {**body, "size": len(decoded)}}}
    return document


def strings(value: Any, path: str) -> Iterator[tuple[str, str | bytes]]:
    """Every string (and bytes) in a document, keys too, with the field path that leads to it."""
    if isinstance(value, str | bytes):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            inner = f"{path}.{key}" if path else str(key)
            yield inner, str(key)
            yield from strings(item, inner)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from strings(item, f"{path}[{index}]")
