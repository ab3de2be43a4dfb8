"""The backend for Anthropic's Messages API: tools and structured output both go through tool use."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import anthropic

from .backend import MAX_TOOL_ROUNDS, JsonSchema, Message, OnUsage, Tool

MAX_TOKENS = 1024  # Anthropic requires a limit on every request


def _text(message: anthropic.types.Message) -> str:
    return "".join(block.text for block in message.content if block.type == "text")


@dataclass
class AnthropicBackend:
    client: anthropic.Anthropic
    model: str

    def complete(self, messages: Sequence[Message]) -> str:
        answer = self.client.messages.create(
            model=self.model,
            max_tokens=MAX_TOKENS,
            messages=list(messages),  # type: ignore[arg-type]
        )
        return _text(answer)

    def stream(self, messages: Sequence[Message], on_usage: OnUsage | None = None) -> Iterator[str]:
        with self.client.messages.stream(
            model=self.model,
            max_tokens=MAX_TOKENS,
            messages=list(messages),  # type: ignore[arg-type]
        ) as stream:
            yield from stream.text_stream
            usage = stream.get_final_message().usage
        if on_usage is not None:
            on_usage(usage.input_tokens + usage.output_tokens)

    def answer_with_tool(self, system: str, question: str, tool: Tool) -> str:
        spec: Any = {"name": tool.name, "description": tool.description, "input_schema": tool.parameters}
        messages: list[Any] = [{"role": "user", "content": question}]
        for _ in range(MAX_TOOL_ROUNDS):
            answer = self.client.messages.create(
                model=self.model, max_tokens=MAX_TOKENS, system=system, messages=messages, tools=[spec]
            )
            uses = [block for block in answer.content if block.type == "tool_use"]
            if not uses:
                break
            said: list[Any] = [{"type": "text", "text": b.text} for b in answer.content if b.type == "text"]
            said += [{"type": "tool_use", "id": u.id, "name": u.name, "input": u.input} for u in uses]
            messages.append({"role": "assistant", "content": said})
            results = [
                {"type": "tool_result", "tool_use_id": u.id, "content": tool.run(dict(u.input))}  # type: ignore[call-overload]
                for u in uses
            ]
            messages.append({"role": "user", "content": results})
        return _text(answer)

    def structured(self, system: str, prompt: str, name: str, schema: JsonSchema) -> dict[str, Any]:
        """A forced call of a tool whose input is the schema: Anthropic's way to return an object."""
        spec: Any = {"name": name, "description": f"Record the {name}.", "input_schema": schema}
        answer = self.client.messages.create(
            model=self.model,
            max_tokens=MAX_TOKENS,
            system=system,
            messages=[{"role": "user", "content": prompt}],
            tools=[spec],
            tool_choice={"type": "tool", "name": name},
        )
        block = next(block for block in answer.content if block.type == "tool_use")
        return dict(block.input)  # type: ignore[call-overload]

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        raise NotImplementedError("Anthropic has no embeddings endpoint")
