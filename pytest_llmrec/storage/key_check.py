"""Whether a recording answers the request its name says: its key computed again from what it stores.

A file is found by its name, the key of the live request. If the request stored inside was
edited by hand, or the file was copied from another scope, the name no longer says what the
file answers, and replaying it would answer one request with another's response. So the stored
request is keyed again, with the scope and key options it was recorded under, and must give
the name back.

A stored request holding a scrubbed value (``<scrubbed>``, ``<OPENAI_API_KEY>``) cannot be keyed
again, since what was sent is gone: such a file is trusted by its name. So is a JSON body that was
sent as plain text, which the file cannot tell from one sent as JSON.
"""

from __future__ import annotations

import base64
import binascii
import re
from pathlib import Path
from typing import Any

from pytest_llmrec import media
from pytest_llmrec.errors import ConfigError, RecordingFileError
from pytest_llmrec.jsonpath import JsonPath
from pytest_llmrec.matching import KeyOptions, RequestKey, canonical_json, request_key, split_url
from pytest_llmrec.normalize import normalize_json
from pytest_llmrec.storage import payloads
from pytest_llmrec.storage.recording import Recording, StoredRequest

# The top-level field that keeps key options other than the defaults, so ``llmrec check`` keys
# the file as the test did: {"ignore": ["metadata"], "match_host": true}.
KEY_OPTIONS_FIELD = "key_options"
_PLACEHOLDER = re.compile(r"<scrubbed>|<[A-Z][A-Z0-9_]*>|<(?:header|query|field|url) [^<>\s]+>")
_NAME = re.compile(r"([0-9a-f]{64})(?:\.([1-9][0-9]*))?\.json")


def name_key(path: Path) -> tuple[str, int] | None:
    """The key and occurrence a recording's file name stands for; None for a name not of that form."""
    match = _NAME.fullmatch(path.name)
    return (match[1], int(match[2] or 1)) if match else None


def key_options_document(options: KeyOptions) -> dict[str, Any]:
    """What a file keeps of its key options: only those that differ from the defaults."""
    kept: dict[str, Any] = {}
    if options.ignore:
        kept["ignore"] = [path.text for path in options.ignore]
    if options.match_host:
        kept["match_host"] = True
    return kept


def key_options_from(document: dict[str, Any], scope: str, path: Path) -> KeyOptions:
    """The key options a file says it was recorded under (see ``key_options_document``)."""
    kept = document.get(KEY_OPTIONS_FIELD, {})
    ignore = kept.get("ignore", []) if isinstance(kept, dict) else None
    match_host = kept.get("match_host", False) if isinstance(kept, dict) else None
    if not isinstance(ignore, list) or not all(isinstance(text, str) for text in ignore):
        raise RecordingFileError(
            path, KEY_OPTIONS_FIELD, "expected {'ignore': [JSON paths], 'match_host': bool}"
        )
    if not isinstance(match_host, bool):
        raise RecordingFileError(path, f"{KEY_OPTIONS_FIELD}.match_host", "expected true or false")
    try:
        paths = tuple(JsonPath.parse(text) for text in ignore)
    except ConfigError as error:
        raise RecordingFileError(path, f"{KEY_OPTIONS_FIELD}.ignore", str(error)) from None
    return KeyOptions(scope, paths, match_host)


def stored_key(
    path: Path, request: StoredRequest, options: KeyOptions, *, sent_as_text: bool = False
) -> str | None:
    """The key of the request a file stores; None when the file cannot say (see the module's docstring).

    ``sent_as_text``: the live request's body was keyed as text, not as JSON.
    """
    body = request.body
    if payloads.type_of(body) == payloads.BYTES:
        try:
            sent: bytes | None = base64.b64decode(body[payloads.DATA_KEY], validate=True)
        except (binascii.Error, TypeError, ValueError):
            raise RecordingFileError(path, "request.body.__data__", "not base64") from None
        content_type = "application/octet-stream"
    elif body is None:
        sent, content_type = None, None
    else:  # JSON, text, or the parts of a form: the key sees each as the file holds it
        if sent_as_text and not isinstance(body, str):
            return None
        sent, content_type = canonical_json(body), media.JSON_TYPE
        if _PLACEHOLDER.search(sent.decode("utf-8", "replace")):
            return None
    if _PLACEHOLDER.search(request.url):
        return None
    return request_key(request.method, request.url, content_type, sent, options).digest


def mismatch(
    path: Path, recording: Recording, options: KeyOptions, *, sent_as_text: bool = False
) -> RecordingFileError | None:
    """Why the file at ``path`` does not answer the request its name says; None if it does or cannot tell."""
    fix = f"rename it to its key with `llmrec check --fix {path}`, or delete it and record again"
    if recording.scope is not None and recording.scope != options.scope:
        return RecordingFileError(
            path,
            "test_id",
            f"recorded for scope {recording.scope!r}, not {options.scope!r}: the file was copied "
            f"from another scope; move it back, or delete it and record again",
        )
    named = name_key(path)
    try:
        actual = stored_key(path, recording.request, options, sent_as_text=sent_as_text)
    except RecordingFileError as error:
        return error
    if named is None or actual is None or actual == named[0]:
        return None
    return RecordingFileError(
        path,
        "request",
        f"the file's name no longer matches its content: the request it holds has key {actual[:12]}..., "
        f"its name says {named[0][:12]}... (hand-edited, or copied from another scope); {fix}",
    )


def refusal(
    path: Path, recording: Recording, key: RequestKey, options: KeyOptions
) -> RecordingFileError | None:
    """``mismatch`` for a file found by ``key``, the live request's: cheap when the file answers it.

    The stored request, normalised as the key normalises a body, is compared with the live
    request's canonical form; only when they differ is the key computed again to tell why.
    """
    request = recording.request
    if recording.scope in (None, options.scope) and payloads.type_of(request.body) != payloads.BYTES:
        host, path_on_wire, query = split_url(request.url)
        canonical: dict[str, Any] = {
            "method": request.method.upper(),
            "path": path_on_wire,
            "query": sorted(query),
            "body": normalize_json(request.body, options.ignore),
            "scope": options.scope,
        }
        if options.match_host:
            canonical["host"] = host.lower()
        if canonical == key.canonical:
            return None
    return mismatch(path, recording, options, sent_as_text=isinstance(key.canonical["body"], str))
