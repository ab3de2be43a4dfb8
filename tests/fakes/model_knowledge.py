"""What the loopback servers answer as a model would: a few known questions, schema examples, word vectors.

Why: the example suite's study assistant asserts what a user asserts of a real model ("Saturn" is in
the answer, the second turn repeats the first in capitals, a question ranks the note it is about
first). Echoing the prompt cannot satisfy those, so the servers look here before they echo.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import struct
from typing import Any

from .loopback import Json

SATURN_ANSWER = "Saturn is the planet with rings whose name starts with the letter S."
SUN_FACT = "The Latin name of the Sun is Sol."
REPEAT_IN_CAPS = "repeat your previous response in all caps"
# Words every English question has; they would make unrelated texts look alike.
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "do",
        "does",
        "for",
        "from",
        "how",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "that",
        "the",
        "this",
        "to",
        "was",
        "what",
        "which",
        "who",
        "why",
        "with",
    ]
)


def known_answer(turns: list[tuple[str, str]]) -> str | None:
    """The answer to a known question, given (role, text) turns; None when the server should echo."""
    if not turns or turns[-1][0] != "user":
        return None
    question = turns[-1][1].lower()
    if REPEAT_IN_CAPS in question:
        previous = [text for role, text in turns if role == "assistant"]
        return previous[-1].upper() if previous else None
    if "rings" in question and "planet" in question:
        return SATURN_ANSWER
    if "sun" in question and "latin" in question:
        return SUN_FACT
    return None


def schema_example(schema: Any) -> str | None:
    """A JSON schema's first ``examples`` entry as compact JSON: what the servers answer for it."""
    if not isinstance(schema, dict):
        return None
    examples = schema.get("examples")
    if not isinstance(examples, list) or not examples:
        return None
    return json.dumps(examples[0], separators=(",", ":"))


def schema_example_object(schema: Any) -> Json | None:
    """The same example as an object (Anthropic's tool input), or None when it is not one."""
    text = schema_example(schema)
    value = json.loads(text) if text is not None else None
    return value if isinstance(value, dict) else None


def word_vector(text: str, dimensions: int) -> list[float]:
    """A hashed bag of words, unit length and float32-exact: texts sharing words point alike."""
    vector = [0.0] * dimensions
    for word in re.findall(r"[a-z0-9]+", text.lower()):
        if word in STOPWORDS:
            continue
        slot = int.from_bytes(hashlib.sha256(word.encode()).digest()[:4], "little") % dimensions
        vector[slot] += 1.0
    norm = math.sqrt(sum(x * x for x in vector)) or 1.0
    packed = struct.pack(f"<{dimensions}f", *(x / norm for x in vector))
    return list(struct.unpack(f"<{dimensions}f", packed))
