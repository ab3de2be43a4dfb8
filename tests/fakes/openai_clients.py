"""What the tests of the loopback OpenAI server share: clients for it, prompts, tools and a schema."""

from __future__ import annotations

import re

import openai
from openai.types.chat import ChatCompletionMessageParam, ChatCompletionToolParam
from openai.types.responses import FunctionToolParam
from pydantic import BaseModel

from .llm_server import OpenAICompatibleServer

SUN_QUESTION = "What is the latin name of the Sun?"
CALL_ID = re.compile(r"call_[A-Za-z0-9]{24}")
WEATHER_TOOL: ChatCompletionToolParam = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"query": {"type": "string"}}},
    },
}
WEATHER_FUNCTION: FunctionToolParam = {
    "type": "function",
    "name": "get_weather",
    "parameters": {"type": "object", "properties": {"query": {"type": "string"}}},
    "strict": False,
}


class City(BaseModel):
    name: str
    population: int


PARIS = City(name="Paris", population=2_100_000)


def make_client(server: OpenAICompatibleServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.base_url, api_key="sk-test", max_retries=0)


def make_async_client(server: OpenAICompatibleServer) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(base_url=server.base_url, api_key="sk-test", max_retries=0)


def ask(text: str) -> list[ChatCompletionMessageParam]:
    return [{"role": "system", "content": "Be brief."}, {"role": "user", "content": text}]
