"""JSON paths such as ``messages[*].name``: what ``ignore`` leaves out of a key and ``scrub`` blanks on disk.

Keys, ``[N]`` indexes and ``[*]`` for every item; a leading ``$.`` is allowed. Paths never
mutate what they are applied to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pytest_llmrec.errors import ConfigError

ANY_INDEX = "*"

_SEGMENT = re.compile(r"\[(\*|\d+)\]|([^.\[\]]+)")


@dataclass(frozen=True)
class JsonPath:
    """A parsed ``ignore`` path such as ``messages[*].name``: keys, indexes and ``*``."""

    text: str
    steps: tuple[str | int, ...]

    @classmethod
    def parse(cls, text: str) -> JsonPath:
        body = text[2:] if text.startswith("$.") else text
        steps: list[str | int] = []
        position = 0
        while position < len(body):
            if body[position] == "." and steps:
                position += 1
            match = _SEGMENT.match(body, position)
            if not match:
                raise ConfigError(
                    f"cannot parse JSON path {text!r} at character {position + 1}; "
                    "use keys, [N] and [*], e.g. 'metadata' or 'messages[*].name'"
                )
            index, key = match.groups()
            steps.append(key if key is not None else (ANY_INDEX if index == ANY_INDEX else int(index)))
            position = match.end()
        if not steps:
            raise ConfigError(f"empty JSON path {text!r}")
        return cls(text, tuple(steps))

    def drop_from(self, value: Any) -> Any:
        """Return ``value`` without what this path points at; never mutates."""
        return _drop(value, self.steps)

    def replace_in(self, value: Any, replacement: Any) -> Any:
        """Return ``value`` with what this path points at replaced; never mutates."""
        return _replace(value, self.steps, replacement)


def _drop(value: Any, steps: tuple[str | int, ...]) -> Any:
    step, rest = steps[0], steps[1:]
    if isinstance(value, dict) and isinstance(step, str) and step in value:
        if not rest:
            return {k: v for k, v in value.items() if k != step}
        return {**value, step: _drop(value[step], rest)}
    if isinstance(value, list) and isinstance(step, int) and -len(value) <= step < len(value):
        if not rest:
            return [v for i, v in enumerate(value) if i != step % len(value)]
        return [(_drop(v, rest) if i == step % len(value) else v) for i, v in enumerate(value)]
    if isinstance(value, list) and step == ANY_INDEX:
        return [] if not rest else [_drop(v, rest) for v in value]
    return value


def _replace(value: Any, steps: tuple[str | int, ...], replacement: Any) -> Any:
    step, rest = steps[0], steps[1:]

    def inner(item: Any) -> Any:
        return _replace(item, rest, replacement) if rest else replacement

    if isinstance(value, dict) and isinstance(step, str) and step in value:
        return {**value, step: inner(value[step])}
    if isinstance(value, list) and isinstance(step, int) and -len(value) <= step < len(value):
        return [(inner(v) if i == step % len(value) else v) for i, v in enumerate(value)]
    if isinstance(value, list) and step == ANY_INDEX:
        return [inner(v) for v in value]
    return value
