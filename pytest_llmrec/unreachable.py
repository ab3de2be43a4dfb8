"""One line of context for a test whose live requests got no response (a server down, a wrong URL).

The SDK's own report of a refused connection is a long chain of wrapped exceptions (openai,
httpx, httpcore, socket) that never says which URL was tried or where it came from. This line
says the mode, the URL, the error at the bottom of that chain, and the environment variable
that named the server, when one did: a stale ``OPENAI_BASE_URL`` is the usual culprit.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterable, Mapping

from pytest_llmrec.recorder import Exchange

# The environment variables the provider SDKs read their server's address from.
BASE_URL_VARS = (
    "OPENAI_BASE_URL",
    "OPENAI_API_BASE",
    "AZURE_OPENAI_ENDPOINT",
    "ANTHROPIC_BASE_URL",
    "OLLAMA_HOST",
)
DEFAULT_PORTS = {"http": 80, "https": 443}
OLLAMA_PORT = 11434  # what the ollama client assumes when OLLAMA_HOST gives no port


def origin(url: str, default_port: int | None = None) -> tuple[str, str, int | None] | None:
    """Scheme, host and port of a URL (or of a bare ``host:port``, as OLLAMA_HOST may be)."""
    text = url.strip()
    if "://" not in text:
        text = f"http://{text}"
    try:
        parts = urllib.parse.urlsplit(text)
        port = parts.port
    except ValueError:
        return None
    if not parts.hostname:
        return None
    scheme = parts.scheme.lower()
    return scheme, parts.hostname.lower(), port or default_port or DEFAULT_PORTS.get(scheme)


def named_by(url: str, environ: Mapping[str, str]) -> str | None:
    """``NAME=value`` of the first variable of BASE_URL_VARS whose value has the URL's origin."""
    wanted = origin(url)
    for name in BASE_URL_VARS:
        value = environ.get(name)
        default = (
            OLLAMA_PORT if name == "OLLAMA_HOST" and value and ":" not in value.split("//")[-1] else None
        )
        if value and wanted is not None and origin(value, default) == wanted:
            return f"{name}={value}"
    return None


def root_cause(error: BaseException | None) -> BaseException | None:
    """The innermost OSError behind ``error`` (``ConnectionRefusedError``...), else ``error`` itself."""
    seen: set[int] = set()
    found, current = None, error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError):
            found = current
        current = current.__cause__ or current.__context__
    return found or error


def context_line(
    mode: str, failed: Iterable[Exchange], error: BaseException | None, environ: Mapping[str, str]
) -> str | None:
    """The line, or None when every live request got its response."""
    attempts: dict[tuple[str, str], int] = {}
    for exchange in failed:
        attempts[(exchange.method, exchange.url)] = attempts.get((exchange.method, exchange.url), 0) + 1
    if not attempts:
        return None
    (method, url), count = next(iter(attempts.items()))
    tried = f"{method} {url}" + (f" ({count} attempts)" if count > 1 else "")
    if len(attempts) > 1:
        tried += f" and {len(attempts) - 1} other URL(s)"
    cause = root_cause(error)
    why = f" ({type(cause).__name__}: {cause})" if cause is not None else ""
    variable = named_by(url, environ)
    source = f"; the server's address comes from {variable}" if variable else ""
    return f"pytest-llmrec: in mode {mode!r}, {tried} got no response{why}{source}"
