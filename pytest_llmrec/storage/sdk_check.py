"""Whether a recording's typed payloads still fit the installed SDK's classes.

A recording names the SDK class each body parses into (``__type__``). When that SDK has
changed since, the recorded ``__data__`` may no longer parse, and the test would fail deep
inside the SDK. ``mismatches`` validates each payload against its class with pydantic's
``model_validate``, where the class can be imported; replay still sends the recorded JSON
as the provider sent it, the caller decides whether a mismatch warns or fails.

openai and anthropic build response objects without validating them, and providers send
values their declared types do not admit (Azure's first chunk has ``object: ""``, legacy
completion streams ``finish_reason: null``): the test sees exactly what it would see live.
For those SDKs only a missing required field counts, unless ``strict``: it is what a newer
SDK asks of an older recording, and what the test would trip on. SDKs that validate what
they parse (ollama, google-genai) would fail live on any mismatch, so every one counts.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import importlib
import re
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_llmrec.storage import codec, payloads, sdk_types
from pytest_llmrec.storage.recording import Recording

# Only SDK packages are imported on a recording's word: a file must not make us import anything else.
SDK_PACKAGES = ("openai", "anthropic", "ollama", "google.genai", "llama_stack", "llama_stack_client")
# SDKs that build responses without validating them (Stainless' construct).
LENIENT_PACKAGES = ("openai", "anthropic", "llama_stack_client")
_CLASS_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+")


@functools.cache
def sdk_class(type_path: str) -> Any | None:
    """The pydantic model class ``type_path`` names, or None: not an SDK's, not installed, not a model."""
    if not _CLASS_PATH.fullmatch(type_path) or not type_path.startswith(
        tuple(package + "." for package in SDK_PACKAGES)
    ):
        return None
    module_name, _, class_name = type_path.rpartition(".")
    try:
        from pydantic import BaseModel

        cls = getattr(importlib.import_module(module_name), class_name, None)
    except ImportError:
        return None
    return cls if isinstance(cls, type) and issubclass(cls, BaseModel) else None


def _as_the_sdk_reads(type_path: str, data: Any) -> Any:
    """openai asks for base64 embeddings and decodes them after parsing: check the floats they hold."""
    if (
        type_path != sdk_types.EMBEDDINGS
        or not isinstance(data, dict)
        or not isinstance(data.get("data"), list)
    ):
        return data
    items = []
    for item in data["data"]:
        if isinstance(item, dict) and isinstance(item.get("embedding"), str):
            with contextlib.suppress(ValueError):  # not base64 of float32s: left for the model to reject
                floats = array("f", base64.b64decode(item["embedding"], validate=True)).tolist()
                item = {**item, "embedding": floats}
        items.append(item)
    return {**data, "data": items}


def _errors(cls: Any, type_path: str, data: Any, strict: bool) -> list[Any]:
    """pydantic's error details for ``data`` as ``cls``, those the SDK itself trips on unless ``strict``."""
    from pydantic import ValidationError

    try:
        cls.model_validate(_as_the_sdk_reads(type_path, data))
    except ValidationError as error:
        errors = error.errors()
        if not strict and type_path.startswith(tuple(package + "." for package in LENIENT_PACKAGES)):
            errors = [found for found in errors if found["type"] == "missing"]
        return errors
    return []


def _problem(cls: Any, type_path: str, data: Any, strict: bool) -> str | None:
    errors = _errors(cls, type_path, data, strict)
    if not errors:
        return None
    first = errors[0]
    where = ".".join(str(part) for part in first["loc"]) or "<top>"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"the installed SDK's {type_path} rejects it: {where}: {first['msg']}{more}"


def package_of(type_path: str) -> str | None:
    """The SDK package a type path belongs to (``google.genai``), None if it is no SDK's."""
    return next((package for package in SDK_PACKAGES if type_path.startswith(package + ".")), None)


def declared_payloads(value: Any, where: str) -> list[tuple[str, str, Any, Any | None]]:
    """(field, type path, plain data, class or None) of each outermost payload typed as an SDK's class;
    inside one whose class cannot be imported, the typed payloads it holds are looked at instead."""
    if isinstance(value, list):
        return [found for i, item in enumerate(value) for found in declared_payloads(item, f"{where}[{i}]")]
    if not isinstance(value, dict):
        return []
    if payloads.is_typed(value):
        type_path, data = value[payloads.TYPE_KEY], value[payloads.DATA_KEY]
        field = f"{where}.{payloads.DATA_KEY}"
        if not isinstance(type_path, str) or package_of(type_path) is None:
            return declared_payloads(data, field)
        cls = sdk_class(type_path)
        if cls is not None:
            return [(field, type_path, payloads.from_typed(data), cls)]
        return [(field, type_path, data, None), *declared_payloads(data, field)]
    return [found for key, item in value.items() for found in declared_payloads(item, f"{where}.{key}")]


def _typed_payloads(value: Any, where: str) -> list[tuple[str, str, Any]]:
    """(field, type path, plain data) of each outermost typed payload whose class is importable."""
    return [(field, path, data) for field, path, data, cls in declared_payloads(value, where) if cls]


@dataclass(frozen=True)
class Rejection:
    """One field of one payload the installed SDK's class rejects."""

    field: str  # from the top of the file: response.body[2].__data__.choices[0].delta.role
    type_path: str
    message: str


def _loc(parts: tuple[Any, ...]) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in parts)


def rejections(response: codec.StoredResponse, *, strict: bool) -> list[Rejection]:
    """Every field of every typed payload of ``response`` its installed SDK class rejects (each
    pydantic error, where ``mismatches`` gives the first per payload)."""
    found = []
    for where, type_path, data in _typed_payloads(response.body, "response.body"):
        for error in _errors(sdk_class(type_path), type_path, data, strict):
            found.append(Rejection(where + _loc(tuple(error["loc"])), type_path, str(error["msg"])))
    return found


def mismatches(response: codec.StoredResponse, *, strict: bool = False) -> list[tuple[str, str]]:
    """(field, problem) for each typed payload of ``response`` its installed SDK class rejects
    (every declared type when ``strict``, else what the SDK itself would trip on)."""
    found = []
    for where, type_path, data in _typed_payloads(response.body, "response.body"):
        problem = _problem(sdk_class(type_path), type_path, data, strict)
        if problem is not None:
            found.append((where, problem))
    return found


_checked: dict[tuple[Path, int, int, bool], list[tuple[str, str]]] = {}


def file_mismatches(path: Path, response: codec.StoredResponse, *, strict: bool) -> list[tuple[str, str]]:
    """``mismatches`` of the response read from ``path``, computed once per version of the file:
    validating a long stream costs more than reading it, and replay reads it on every request."""
    try:
        stat = path.stat()
    except OSError:
        return mismatches(response, strict=strict)
    key = (path, stat.st_mtime_ns, stat.st_size, strict)
    if key not in _checked:
        _checked[key] = mismatches(response, strict=strict)
    return _checked[key]


def sdk_problems(recording: Recording, path: Path, *, strict: bool = True) -> list[str]:
    """``<file>: <field>: <problem>`` for each payload the installed SDKs reject (for ``llmrec check``)."""
    return [f"{path}: {where}: {problem}" for where, problem in mismatches(recording.response, strict=strict)]


def sdk_of(body: Any) -> str | None:
    """The SDK package whose class a response body (or its stream's first typed event) parses into."""
    for item in body if isinstance(body, list) else [body]:
        type_path = payloads.type_of(payloads.stream_event_data(item))
        if isinstance(type_path, str):
            return package_of(type_path)
    return None
