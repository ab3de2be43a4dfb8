"""What the assistant needs from a provider, whichever SDK speaks to it."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

Message = dict[str, str]  # {"role": "user" | "assistant", "content": text}
JsonSchema = dict[str, Any]
OnUsage = Callable[[int], None]  # told the tokens a streamed answer cost, once it is complete
MAX_TOOL_ROUNDS = 3  # a model that keeps calling tools gets this many answers, then the last text


@dataclass(frozen=True)
class Tool:
    """A function the model may call; ``run`` takes its parsed arguments and returns what it says back."""

    name: str
    description: str
    parameters: JsonSchema
    run: Callable[[dict[str, Any]], str]


class Backend(Protocol):
    def complete(self, messages: Sequence[Message]) -> str:
        """The answer to a conversation, in one piece."""
        ...

    def stream(self, messages: Sequence[Message], on_usage: OnUsage | None = None) -> Iterator[str]:
        """The answer as the pieces arrive."""
        ...

    def answer_with_tool(self, system: str, question: str, tool: Tool) -> str:
        """The answer after the model has called ``tool`` as often as it wanted (at most MAX_TOOL_ROUNDS)."""
        ...

    def structured(self, system: str, prompt: str, name: str, schema: JsonSchema) -> dict[str, Any]:
        """An object that follows ``schema``."""
        ...

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """One vector per text, in order."""
        ...
