"""The request key: which recording answers a request.

Canonical JSON of method, path, query, normalised body and scope, hashed with
SHA-256. The same function names files when recording and finds them when
replaying, so a lookup is one ``open()`` of a known path, never a scan. A body's
identity alone (``body_identity``) is what llama-stack's index and VCR.py's body
matcher compare.
"""

from __future__ import annotations

import hashlib
import json
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson

from pytest_llmrec import media
from pytest_llmrec.jsonpath import JsonPath
from pytest_llmrec.normalize import normalize_body
from pytest_llmrec.storage.credentials import is_credential_query_param


@dataclass(frozen=True)
class KeyOptions:
    """What a scope's configuration changes about the key."""

    scope: str
    ignore: tuple[JsonPath, ...] = ()
    match_host: bool = False
    credential_params: tuple[str, ...] = ()  # more query parameters left out (ini llm_scrub_query_params)


@dataclass(frozen=True)
class RequestKey:
    """A request's key and the canonical form it was hashed from (kept for diagnostics)."""

    digest: str
    canonical: dict[str, Any] = field(compare=False)

    @property
    def short(self) -> str:
        return self.digest[:12]


def split_url(url: str, credential_params: tuple[str, ...] = ()) -> tuple[str, str, list[tuple[str, str]]]:
    """Host, path and query pairs; the query without credentials (default names and ``credential_params``).

    Credentials never take part in the key, so a recording replays whatever key the test holds.
    """
    parts = urllib.parse.urlsplit(url)
    query = [
        (k, v)
        for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
        if not is_credential_query_param(k, credential_params)
    ]
    return parts.netloc.rpartition("@")[2], parts.path or "/", query


def public_url(url: str, credential_params: tuple[str, ...] = ()) -> str:
    """The URL as a recording shows it: no user:password, no credential query parameters."""
    parts = urllib.parse.urlsplit(url)
    _, _, query = split_url(url, credential_params)
    netloc = parts.netloc.rpartition("@")[2]
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc, query=urllib.parse.urlencode(query)))


def canonical_request(
    method: str, url: str, content_type: str | None, body: bytes | None, options: KeyOptions
) -> dict[str, Any]:
    host, path, query = split_url(url, options.credential_params)
    canonical: dict[str, Any] = {
        "method": method.upper(),
        "path": path,
        "query": sorted(query),
        "body": normalize_body(body, content_type, options.ignore),
        "scope": options.scope,
    }
    if options.match_host:
        canonical["host"] = host.lower()
    return canonical


def canonical_json(value: Any) -> bytes:
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # e.g. integers beyond 64 bits, which orjson refuses
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def request_key(
    method: str, url: str, content_type: str | None, body: bytes | None, options: KeyOptions
) -> RequestKey:
    canonical = canonical_request(method, url, content_type, body, options)
    return RequestKey(hashlib.sha256(canonical_json(canonical)).hexdigest(), canonical)


def body_identity(normalized: Any) -> str:
    """The digest of a normalised body: two requests carry the same body when these are equal."""
    return hashlib.sha256(canonical_json(normalized)).hexdigest()


def body_hash_matcher(ignore: Iterable[str] = ()) -> Any:
    """A VCR.py matcher comparing request bodies as pytest-llmrec's key sees them.

    Key order, float noise and multipart boundaries never make two bodies differ; ``ignore``
    names JSON paths left out (``"metadata"``, ``"messages[*].name"``). Register it with
    ``vcr.register_matcher("llm_body", body_hash_matcher())``. Raises AssertionError with both
    normalised bodies when they differ, as VCR.py expects of a matcher.
    """
    paths = tuple(JsonPath.parse(path) for path in ignore)

    def llm_body_hash(r1: Any, r2: Any) -> None:
        b1 = normalize_body(r1.body, media.header(r1.headers, "content-type"), paths)
        b2 = normalize_body(r2.body, media.header(r2.headers, "content-type"), paths)
        if body_identity(b1) != body_identity(b2):
            raise AssertionError(
                f"normalised bodies differ: {canonical_json(b1).decode()} != {canonical_json(b2).decode()}"
            )

    return llm_body_hash
