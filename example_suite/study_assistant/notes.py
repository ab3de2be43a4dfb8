"""The student's notes, and the two ways the assistant finds one: by keyword (a tool) and by meaning."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Note:
    topic: str
    text: str


NOTES = (
    Note(
        "photosynthesis",
        "Photosynthesis: plants use chlorophyll to turn light, water and carbon dioxide into sugar "
        "and oxygen.",
    ),
    Note("mitochondria", "Mitochondria release the energy stored in sugar by cellular respiration."),
    Note("french revolution", "The French Revolution began in 1789 with the storming of the Bastille."),
    Note(
        "pythagoras",
        "Pythagoras' theorem: in a right triangle the square of the hypotenuse is the sum of the squares "
        "of the other two sides.",
    ),
)
NO_NOTE = "No note on that topic."


def look_up(notes: Sequence[Note], query: str) -> str:
    """The text of the first note whose topic the query names: what the look_up_note tool returns."""
    wanted = query.lower()
    return next((note.text for note in notes if note.topic in wanted), NO_NOTE)


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norms = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norms if norms else 0.0
