"""The study assistant: what a student asks for, written once over any provider's backend."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from .backend import Backend, Message, Tool
from .notes import NOTES, Note, cosine, look_up

# gpt-oss on Bedrock shows its chain of thought inline; the student sees only the answer.
REASONING = re.compile(r"<reasoning>.*?</reasoning>", re.DOTALL)
NOTES_SYSTEM = "Answer from the student's notes. Look the topic up with look_up_note first."
QUIZ_SYSTEM = "Write one multiple-choice question that tests the topic the student names."
QUIZ_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "question": {"type": "string"},
        "choices": {"type": "array", "items": {"type": "string"}},
        "answer": {"type": "integer", "description": "the index of the right choice"},
    },
    "required": ["question", "choices", "answer"],
    "additionalProperties": False,
    "examples": [
        {
            "question": "In which year did the French Revolution begin?",
            "choices": ["1776", "1789", "1815"],
            "answer": 1,
        }
    ],
}


def visible(text: str) -> str:
    """The answer without inline reasoning."""
    return REASONING.sub("", text).strip()


@dataclass(frozen=True)
class QuizQuestion:
    question: str
    choices: list[str]
    answer: int  # index into choices

    @property
    def right_choice(self) -> str:
        return self.choices[self.answer]


@dataclass(frozen=True)
class Explanation:
    answer: str
    lookups: list[str]  # the queries the model looked up, in order


@dataclass
class Conversation:
    """A chat whose every turn streams and sends the turns before it."""

    backend: Backend
    history: list[Message] = field(default_factory=list)
    tokens_used: int = 0

    def say(self, text: str) -> str:
        self.history.append({"role": "user", "content": text})
        answer = "".join(self.backend.stream(self.history, on_usage=self._count))
        self.history.append({"role": "assistant", "content": answer})  # as the model said it
        return visible(answer)

    def _count(self, tokens: int) -> None:
        self.tokens_used += tokens


@dataclass
class StudyAssistant:
    backend: Backend
    notes: Sequence[Note] = NOTES

    def ask(self, question: str) -> str:
        return visible(self.backend.complete([{"role": "user", "content": question}]))

    def stream(self, question: str) -> Iterator[str]:
        """The answer in the pieces the student sees appear."""
        return self.backend.stream([{"role": "user", "content": question}])

    def explain_from_notes(self, question: str) -> Explanation:
        lookups: list[str] = []

        def run(arguments: dict[str, Any]) -> str:
            lookups.append(str(arguments.get("query", "")))
            return look_up(self.notes, lookups[-1])

        tool = Tool(
            "look_up_note",
            "Find the student's note on a topic.",
            {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]},
            run,
        )
        answer = self.backend.answer_with_tool(NOTES_SYSTEM, question, tool)
        return Explanation(visible(answer), lookups)

    def quiz(self, topic: str) -> QuizQuestion:
        fields = self.backend.structured(QUIZ_SYSTEM, topic, "quiz_question", QUIZ_SCHEMA)
        return QuizQuestion(
            str(fields["question"]), [str(c) for c in fields["choices"]], int(fields["answer"])
        )

    def rank_notes(self, question: str) -> list[tuple[Note, float]]:
        """The notes, most related to the question first, with their cosine similarity."""
        question_vector, *note_vectors = self.backend.embed([question, *(n.text for n in self.notes)])
        scored = [
            (note, cosine(question_vector, v)) for note, v in zip(self.notes, note_vectors, strict=True)
        ]
        return sorted(scored, key=lambda pair: pair[1], reverse=True)

    def conversation(self) -> Conversation:
        return Conversation(self.backend)
