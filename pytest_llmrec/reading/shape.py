"""The shape of a response, apart from its text: which fields it has, of which JSON type.

Two answers to the same prompt rarely share a word but should share a shape. A shape maps each
path (``choices[].message.content``) to the JSON types found there; a list's items are merged
under ``[]``, so a longer list is the same shape. A typed payload's SDK class is part of the shape
(``<path>.__type__``), and so is the order of a stream's event kinds.
"""

from __future__ import annotations

from typing import Any

from pytest_llmrec.storage import payloads

Shape = dict[str, frozenset[str]]


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def shape_of(value: Any) -> Shape:
    """Every path of ``value`` and the types found there."""
    found: dict[str, set[str]] = {}
    _walk(value, "", found)
    return {path: frozenset(types) for path, types in found.items()}


def _walk(value: Any, path: str, found: dict[str, set[str]]) -> None:
    if payloads.is_typed(value):
        found.setdefault(f"{path}.__type__" if path else "__type__", set()).add(str(value[payloads.TYPE_KEY]))
        value = value[payloads.DATA_KEY]
    found.setdefault(path or "$", set()).add(json_type(value))
    if isinstance(value, dict):
        for key, item in value.items():
            _walk(item, f"{path}.{key}" if path else str(key), found)
    elif isinstance(value, list):
        for item in value:
            _walk(item, f"{path}[]", found)


def event_kinds(events: list[Any]) -> list[str]:
    """A stream's events by kind (their ``type``, ``object`` or SDK class), repeats collapsed.

    ``[chunk, chunk, chunk, done]`` and ``[chunk, done]`` are one sequence: a longer answer has more
    deltas, not another protocol.
    """
    kinds: list[str] = []
    for event in events:
        plain = payloads.stream_event_data(payloads.from_typed(event))
        kind = _kind(plain) or payloads.type_of(event) or json_type(plain)
        if not kinds or kinds[-1] != kind:
            kinds.append(kind)
    return kinds


def _kind(event: Any) -> str | None:
    if not isinstance(event, dict):
        return None
    for key in ("type", "object"):
        if isinstance(event.get(key), str) and event[key]:
            return str(event[key])
    return None


def compare(old: Shape, new: Shape) -> list[tuple[str, str, str]]:
    """``(kind, path, detail)`` for each difference: ``new field``, ``removed field``, ``changed type``."""
    found = []
    for path in sorted(old.keys() | new.keys()):
        if path not in old:
            found.append(("new field", path, "/".join(sorted(new[path]))))
        elif path not in new:
            found.append(("removed field", path, "/".join(sorted(old[path]))))
        elif old[path] != new[path]:
            found.append(
                ("changed type", path, f"{'/'.join(sorted(old[path]))} -> {'/'.join(sorted(new[path]))}")
            )
    return found
