"""Where a recording came from: the top-level ``provenance`` field of a file.

``{"sdk": "openai", "sdk_version": "1.99.0", "model": "gpt-4o-mini-2024-07-18",
"recorded_at": "2026-12-03T14:05:12Z"}``: the SDK whose class the response parses into and its
version installed when the answer was recorded, the model that answered (the response's, not the
request's alias), and when (UTC). A reviewer of a re-record sees what produced each new answer.

It is written only with content that changed: ``Store.write`` leaves a file whose document is
the same apart from ``provenance`` (and the real ids behind stable ones) untouched, so an
unchanged answer keeps its bytes and its old provenance. Any field may be null (a plain body
names no SDK, an error names no model); files without the field (older ones, imported ones) are
read as before.
"""

from __future__ import annotations

import datetime
import functools
import importlib.metadata
import importlib.util
from typing import Any

from pytest_llmrec.storage import validate

FIELD = "provenance"
KEYS = ("sdk", "sdk_version", "model", "recorded_at")
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

# The distribution that installs each SDK package (what pip calls it, and reports the version of).
DISTRIBUTIONS = {
    "openai": "openai",
    "anthropic": "anthropic",
    "ollama": "ollama",
    "google.genai": "google-genai",
    "llama_stack": "llama-stack",
    "llama_stack_client": "llama-stack-client",
}


@functools.cache
def installed_version(package: str) -> str | None:
    """The installed version of an SDK package, None if it is not installed."""
    try:
        if importlib.util.find_spec(package) is None:
            return None
    except (ImportError, ValueError):  # google.genai without google
        return None
    try:
        return importlib.metadata.version(DISTRIBUTIONS.get(package, package))
    except importlib.metadata.PackageNotFoundError:
        return "unknown version"


def stamp(sdk: str | None, model: str | None, when: datetime.datetime | None = None) -> dict[str, Any]:
    """The provenance of an answer recorded now (or ``when``) through ``sdk``'s classes."""
    moment = when or datetime.datetime.now(datetime.timezone.utc)
    return {
        "sdk": sdk,
        "sdk_version": installed_version(sdk) if sdk else None,
        "model": model,
        "recorded_at": moment.astimezone(datetime.timezone.utc).strftime(_TIME_FORMAT),
    }


def check(reader: validate.Reader, value: Any) -> dict[str, Any]:
    """A file's ``provenance``, validated; the error names the field."""
    if not isinstance(value, dict):
        raise reader.fail(FIELD, f"expected an object, got {type(value).__name__}")
    unknown = sorted(set(value) - set(KEYS))
    if unknown:
        raise reader.fail(f"{FIELD}.{unknown[0]}", f"unknown field; known: {', '.join(KEYS)}")
    for key in KEYS:
        reader.get(value, FIELD, key, (str, type(None)), None)
    when = value.get("recorded_at")
    if when is not None:
        try:
            datetime.datetime.strptime(when, _TIME_FORMAT)
        except ValueError:
            raise reader.fail(
                f"{FIELD}.recorded_at", f"expected a UTC time like 2026-01-31T12:00:00Z, got {when!r}"
            ) from None
    return value
