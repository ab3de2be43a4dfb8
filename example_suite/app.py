"""A tiny LLM application, the kind of code a pytest-llmrec user tests."""

from __future__ import annotations

import asyncio
import math

import openai

MODEL = "gpt-4o-mini"


def ask(client: openai.OpenAI, question: str) -> str:
    answer = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": question}])
    return answer.choices[0].message.content or ""


def ask_streaming(client: openai.OpenAI, question: str) -> list[str]:
    """The answer as the pieces the user saw appear."""
    stream = client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": question}], stream=True
    )
    return [chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices]


async def ask_many(client: openai.AsyncOpenAI, questions: list[str]) -> list[str]:
    async def one(question: str) -> str:
        answer = await client.chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": question}]
        )
        return answer.choices[0].message.content or ""

    return list(await asyncio.gather(*(one(q) for q in questions)))


def similarity(client: openai.OpenAI, a: str, b: str) -> float:
    response = client.embeddings.create(model="text-embedding-3-small", input=[a, b])
    first, second = (item.embedding for item in response.data)
    dot = sum(x * y for x, y in zip(first, second, strict=True))
    return dot / (math.hypot(*first) * math.hypot(*second))
