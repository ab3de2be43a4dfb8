"""Keep secrets off disk: the last step before a recording is written.

Request headers never reach a recording and credential query parameters are dropped
earlier. Here, the values of credential environment variables are replaced wherever
they appear (a prompt or an echoing server can carry them), and a document that
still holds something shaped like a known key is refused, naming the field.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from pytest_llmrec.errors import SecretInRecordingError
from pytest_llmrec.jsonpath import ANY_INDEX, JsonPath
from pytest_llmrec.storage import payloads

CREDENTIAL_ENV_VARS = (
    "OPENAI_API_KEY",
    "AZURE_OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "GEMINI_API_KEY",
    "GOOGLE_API_KEY",
    "MISTRAL_API_KEY",
    "COHERE_API_KEY",
    "GROQ_API_KEY",
    "TOGETHER_API_KEY",
    "FIREWORKS_API_KEY",
    "DEEPSEEK_API_KEY",
    "XAI_API_KEY",
    "WATSONX_API_KEY",
    "HF_TOKEN",
    "TAVILY_API_KEY",
)
# Shorter values are too likely to occur by chance ("test", "x") to be replaced everywhere.
MIN_SECRET_LENGTH = 8

KEY_PATTERNS = {
    "an OpenAI key": re.compile(r"sk-(?:proj-|svcacct-)?[A-Za-z0-9_-]{20,}"),
    "an AWS access key id": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "a Google API key": re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),
    "a Hugging Face token": re.compile(r"\bhf_[A-Za-z0-9]{30,}\b"),
    "a GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
    "a Slack token": re.compile(r"\bxox[abpr]-[A-Za-z0-9-]{10,}"),
}


SCRUBBED = "<scrubbed>"


@dataclass(frozen=True)
class Scrubber:
    """What to keep off disk: credential environment variables (the known ones plus any the user
    names) and JSON paths of request and response bodies (``metadata.user_id``, ``messages[*].name``)."""

    env_vars: tuple[str, ...] = CREDENTIAL_ENV_VARS
    body_paths: tuple[JsonPath, ...] = ()

    def secrets(self) -> list[tuple[str, str]]:
        """(name, value) of the credentials set now, longest first so no value is half-replaced."""
        found = [(name, os.environ.get(name, "")) for name in dict.fromkeys(self.env_vars)]
        return sorted(((n, v) for n, v in found if len(v) >= MIN_SECRET_LENGTH), key=lambda p: -len(p[1]))

    def scrub(self, document: Any) -> Any:
        """The document with every credential value replaced by ``<NAME>`` and the configured
        body paths' values by ``<scrubbed>``."""
        for path in self.body_paths:
            for part in ("request", "response"):
                if isinstance(document.get(part), dict) and "body" in document[part]:
                    body = _body_replace(document[part]["body"], path)
                    document = {**document, part: {**document[part], "body": body}}
        secrets = self.secrets()
        return _replace(document, secrets) if secrets else document

    def check(self, document: Any, where: str) -> None:
        """Refuse a document that still holds something shaped like a key."""
        for path, text in _strings(document, ""):
            for kind, pattern in KEY_PATTERNS.items():
                if pattern.search(text):
                    raise SecretInRecordingError(
                        f"{where}: not written: {path or '<document>'} holds what looks like {kind}. "
                        "Keep keys out of prompts, or scrub them: set the variable that holds it "
                        "and name it in the ini option llm_scrub_env_vars."
                    )


def _body_replace(body: Any, path: JsonPath) -> Any:
    """Replace what ``path`` points at in a body, in each event of a stream, inside typed payloads."""
    if isinstance(body, list) and path.steps[0] != ANY_INDEX and not isinstance(path.steps[0], int):
        return [_body_replace(item, path) for item in body]
    if payloads.is_typed(body):
        return {**body, payloads.DATA_KEY: _body_replace(body[payloads.DATA_KEY], path)}
    return path.replace_in(body, SCRUBBED)


def _replace(value: Any, secrets: Iterable[tuple[str, str]]) -> Any:
    if isinstance(value, str):
        for name, secret in secrets:
            value = value.replace(secret, f"<{name}>")
        return value
    if isinstance(value, dict):
        return {_replace(k, secrets): _replace(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace(v, secrets) for v in value]
    return value


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every string in a document (keys too) with the field path that leads to it."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            inner = f"{path}.{key}" if path else str(key)
            yield inner, str(key)
            yield from _strings(item, inner)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")
