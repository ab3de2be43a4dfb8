"""Which values of a request, and of the environment, are credentials: each with the label that replaces it.

A server may echo anything it was sent, so every credential a request carried is a value to
keep off disk, wherever it turns up: credential headers (a bearer token, a Basic password, each
cookie), credential query parameters, the URL's user info and credential fields of a JSON or form
body. So are the values of credential environment variables, named or recognised by their name.
Names are compared lower-case with ``-`` and ``_`` removed, so ``apiKey``, ``api_key`` and
``api-key`` are one name.
"""

from __future__ import annotations

import base64
import binascii
import re
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from pytest_llmrec.media import Headers

# Shorter values are too likely to occur by chance ("test", "x") to be replaced everywhere.
MIN_SECRET_LENGTH = 8

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
# Any variable named like *_API_KEY, *_TOKEN, *SECRET*, *PASSWORD* holds a credential too.
CREDENTIAL_ENV_NAME = re.compile(r"(?i)(?:API_?KEY$|_TOKEN$|^TOKEN$|SECRET|PASSWORD|PASSWD|_ACCESS_KEY)")


def normal_name(name: str) -> str:
    """``X-Api-Key``, ``x_api_key`` and ``xApiKey`` all give ``xapikey``."""
    return name.lower().replace("-", "").replace("_", "")


def _names(*names: str) -> frozenset[str]:
    return frozenset(normal_name(name) for name in names)


CREDENTIAL_HEADERS = _names(
    "authorization",
    "proxy-authorization",
    "api-key",
    "x-api-key",
    "cookie",
    "x-amz-security-token",
    "x-goog-api-key",
    "x-auth-token",
    "x-access-token",
    "ocp-apim-subscription-key",
    "private-token",
    "x-functions-key",
)
CREDENTIAL_QUERY_PARAMS = _names(
    "key",
    "api_key",
    "api_token",
    "access_token",
    "access_key",
    "token",
    "auth",
    "auth_token",
    "authorization",
    "bearer",
    "client_secret",
    "password",
    "passwd",
    "pwd",
    "secret",
    "sig",
    "signature",
    "subscription-key",
    "ocp-apim-subscription-key",
    "x-api-key",
    "refresh_token",
    "id_token",
    "session_token",
    "private_token",
    "jwt",
    "hapikey",
    "app_secret",
    "consumer_secret",
    "oauth_token",
    "oauth_signature",
    # presigned URLs (AWS SigV4, Google Cloud Storage)
    "x-amz-signature",
    "x-amz-credential",
    "x-amz-security-token",
    "x-goog-signature",
    "x-goog-credential",
)
CREDENTIAL_FIELDS = _names(
    "api_key",
    "api_token",
    "api_secret",
    "app_secret",
    "password",
    "passwd",
    "secret",
    "client_secret",
    "token",
    "access_token",
    "refresh_token",
    "id_token",
    "auth_token",
    "bearer_token",
    "session_token",
    "authorization",
    "private_key",
    "secret_key",
    "secret_access_key",
    "aws_secret_access_key",
    "access_key_secret",
)
# In a response, "token" is mostly a logprob's text, not a credential.
NOT_IN_RESPONSES = _names("token")


@dataclass(frozen=True)
class Credential:
    """A value to keep off disk and the label replacing it (``<OPENAI_API_KEY>``, ``<header api-key>``)."""

    label: str
    value: str


@dataclass(frozen=True)
class Names:
    """The names that carry credentials: the defaults plus the user's (ini ``llm_scrub_*``)."""

    headers: frozenset[str] = CREDENTIAL_HEADERS
    query_params: frozenset[str] = CREDENTIAL_QUERY_PARAMS
    fields: frozenset[str] = CREDENTIAL_FIELDS

    @classmethod
    def extended(cls, headers: Iterable[str], query_params: Iterable[str], fields: Iterable[str]) -> Names:
        return cls(
            CREDENTIAL_HEADERS | _names(*headers),
            CREDENTIAL_QUERY_PARAMS | _names(*query_params),
            CREDENTIAL_FIELDS | _names(*fields),
        )


def is_credential_query_param(name: str, extra: Iterable[str] = ()) -> bool:
    normal = normal_name(name)
    return normal in CREDENTIAL_QUERY_PARAMS or normal in _names(*extra)


def from_environment(environ: Mapping[str, str], configured: Iterable[str]) -> list[Credential]:
    """Configured variables, then any whose name looks like a credential's."""
    names = dict.fromkeys([*configured, *(n for n in environ if CREDENTIAL_ENV_NAME.search(n))])
    return [Credential(f"<{name}>", environ[name]) for name in names if environ.get(name)]


def from_request(
    url: str, headers: Headers, body: bytes | None, content_type: str | None, names: Names
) -> list[Credential]:
    """Every credential the request carried, with its label."""
    found = [
        Credential(f"<header {name.lower()}>", value)
        for name, raw in _header_pairs(headers)
        if normal_name(name) in names.headers
        for value in header_values(name, raw)
    ]
    parts = urllib.parse.urlsplit(url)
    if parts.password:
        found.append(Credential("<url password>", urllib.parse.unquote(parts.password)))
    if parts.username:
        found.append(Credential("<url user>", urllib.parse.unquote(parts.username)))
    for name, value in urllib.parse.parse_qsl(parts.query, keep_blank_values=True):
        if normal_name(name) in names.query_params:
            found.append(Credential(f"<query {name}>", value))
    found += [Credential(f"<field {name}>", value) for name, value in body_fields(body, content_type, names)]
    return found


def _header_pairs(headers: Headers) -> Iterator[tuple[str, str]]:
    """(name, value) pairs of a mapping (values may be lists, as VCR.py keeps them) or of pairs."""
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    for name, value in pairs:
        for one in value if isinstance(value, list | tuple) else [value]:
            yield str(name), one.decode("latin-1") if isinstance(one, bytes) else str(one)


def header_values(name: str, value: str) -> Iterator[str]:
    """The whole value, and the secret parts inside it: a bearer token, a Basic password, each cookie."""
    yield value
    normal = normal_name(name)
    if normal in ("authorization", "proxyauthorization"):
        scheme, _, rest = value.strip().partition(" ")
        yield rest
        if scheme.lower() == "basic":
            yield from _basic(rest)
        yield from (part for part in re.split(r"[\s,=]+", rest) if part)
    elif normal == "cookie":
        for pair in value.split(";"):
            yield pair.strip().partition("=")[2]


def _basic(encoded: str) -> Iterator[str]:
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return
    user, _, password = decoded.partition(":")
    yield from (decoded, user, password)


def body_fields(body: bytes | None, content_type: str | None, names: Names) -> Iterator[tuple[str, str]]:
    """(field name, value) of the credential fields of a JSON or url-encoded body, at any depth."""
    if not body:
        return
    try:
        parsed: Any = orjson.loads(body)
    except orjson.JSONDecodeError:
        if "x-www-form-urlencoded" not in (content_type or ""):
            return
        parsed = dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    yield from fields_in(parsed, names.fields)


def fields_in(value: Any, fields: frozenset[str]) -> Iterator[tuple[str, str]]:
    """(name, value) of every string under a credential field name, at any depth of a JSON value."""
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, str) and normal_name(str(key)) in fields:
                yield str(key), item
            else:
                yield from fields_in(item, fields)
    elif isinstance(value, list):
        for item in value:
            yield from fields_in(item, fields)


def worth_replacing(value: str) -> bool:
    return len(value) >= MIN_SECRET_LENGTH


def written_forms(value: str) -> list[str]:
    """The value as it is, and as JSON and URLs write it (an echoed body or query holds those)."""
    forms = [
        value,
        orjson.dumps(value).decode()[1:-1],
        urllib.parse.quote(value, safe=""),
        urllib.parse.quote_plus(value),
    ]
    return list(dict.fromkeys(forms))
