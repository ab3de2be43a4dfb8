"""A tiny study assistant, the kind of code a pytest-llmrec user tests.

It answers, streams, asks many questions at once and ranks notes by meaning, on whichever
provider it is given: any OpenAI-compatible endpoint through the openai SDK, or Anthropic's
Messages API through the anthropic SDK.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass
from typing import Any


@dataclass
class Assistant:
    """Chat on one provider: ``client`` is an ``openai.OpenAI``-like or an ``anthropic.Anthropic`` client."""

    client: Any
    model: str
    anthropic: bool = False

    def ask(self, question: str) -> str:
        messages = [{"role": "user", "content": question}]
        if self.anthropic:
            reply = self.client.messages.create(model=self.model, max_tokens=256, messages=messages)
            return "".join(block.text for block in reply.content if block.type == "text")
        answer = self.client.chat.completions.create(model=self.model, messages=messages)
        return answer.choices[0].message.content or ""

    def ask_streaming(self, question: str) -> list[str]:
        """The answer as the pieces the user saw appear."""
        messages = [{"role": "user", "content": question}]
        if self.anthropic:
            with self.client.messages.stream(model=self.model, max_tokens=256, messages=messages) as stream:
                return list(stream.text_stream)
        stream = self.client.chat.completions.create(model=self.model, messages=messages, stream=True)
        return [chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices]


@dataclass
class AsyncAssistant:
    """The same, for an async client: many questions in flight at once."""

    client: Any
    model: str
    anthropic: bool = False

    async def ask(self, question: str) -> str:
        messages = [{"role": "user", "content": question}]
        if self.anthropic:
            reply = await self.client.messages.create(model=self.model, max_tokens=256, messages=messages)
            return "".join(block.text for block in reply.content if block.type == "text")
        answer = await self.client.chat.completions.create(model=self.model, messages=messages)
        return answer.choices[0].message.content or ""

    async def ask_many(self, questions: list[str]) -> list[str]:
        return list(await asyncio.gather(*(self.ask(q) for q in questions)))


def similarity(client: Any, model: str, a: str, b: str) -> float:
    """Cosine similarity of two texts' embeddings (an OpenAI-compatible embeddings endpoint)."""
    response = client.embeddings.create(model=model, input=[a, b])
    first, second = (item.embedding for item in response.data)
    dot = sum(x * y for x, y in zip(first, second, strict=True))
    return dot / (math.hypot(*first) * math.hypot(*second))
