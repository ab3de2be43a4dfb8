"""The backend for OpenAI's API and everything that speaks it: Azure OpenAI, Ollama, vLLM, Bedrock."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import openai

from .backend import MAX_TOOL_ROUNDS, JsonSchema, Message, OnUsage, Tool

EMBEDDING_DIMENSIONS = 256  # text-embedding-3 models shorten their vectors on request


@dataclass
class OpenAIBackend:
    client: openai.OpenAI  # AzureOpenAI is one too: there, a model name is a deployment name
    model: str
    embedding_model: str | None = None

    def complete(self, messages: Sequence[Message]) -> str:
        answer = self.client.chat.completions.create(
            model=self.model,
            messages=list(messages),
            stream=False,  # type: ignore[arg-type]
        )
        return answer.choices[0].message.content or ""

    def stream(self, messages: Sequence[Message], on_usage: OnUsage | None = None) -> Iterator[str]:
        extra: dict[str, Any] = {"stream_options": {"include_usage": True}} if on_usage else {}
        chunks = self.client.chat.completions.create(
            model=self.model,
            messages=list(messages),  # type: ignore[arg-type]
            stream=True,
            **extra,
        )
        for chunk in chunks:
            if chunk.usage is not None and on_usage is not None:  # the last chunk, with no choices
                on_usage(chunk.usage.total_tokens)
            if chunk.choices and chunk.choices[0].delta.content:
                yield chunk.choices[0].delta.content

    def answer_with_tool(self, system: str, question: str, tool: Tool) -> str:
        function = {"name": tool.name, "description": tool.description, "parameters": tool.parameters}
        messages: list[Any] = [{"role": "system", "content": system}, {"role": "user", "content": question}]
        for _ in range(MAX_TOOL_ROUNDS):
            answer = self.client.chat.completions.create(
                model=self.model, messages=messages, tools=[{"type": "function", "function": function}]
            )
            message = answer.choices[0].message
            calls = [call for call in message.tool_calls or [] if call.type == "function"]
            if not calls:
                break
            messages.append(
                {
                    "role": "assistant",
                    "content": message.content,
                    "tool_calls": [
                        {
                            "id": c.id,
                            "type": "function",
                            "function": {"name": c.function.name, "arguments": c.function.arguments},
                        }
                        for c in calls
                    ],
                }
            )
            for call in calls:
                result = tool.run(json.loads(call.function.arguments or "{}"))
                messages.append({"role": "tool", "tool_call_id": call.id, "content": result})
        return message.content or ""

    def structured(self, system: str, prompt: str, name: str, schema: JsonSchema) -> dict[str, Any]:
        answer = self.client.chat.completions.create(
            model=self.model,
            messages=[{"role": "system", "content": system}, {"role": "user", "content": prompt}],
            response_format={
                "type": "json_schema",
                "json_schema": {"name": name, "schema": schema, "strict": True},
            },
        )
        parsed: dict[str, Any] = json.loads(answer.choices[0].message.content or "{}")
        return parsed

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if self.embedding_model is None:
            raise ValueError(f"{self.model}'s provider has no embedding model")
        response = self.client.embeddings.create(
            model=self.embedding_model, input=list(texts), dimensions=EMBEDDING_DIMENSIONS
        )
        return [item.embedding for item in sorted(response.data, key=lambda item: item.index)]
