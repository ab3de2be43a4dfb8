"""HTTP content codings undone: gzip, deflate (zlib or raw) and brotli, in the order they were applied.

Both a live response on its way into a recording (``codec``) and a cassette's body
(``cassettes.bodies``) are decoded here, so they agree on what each coding means and on what a
body that does not hold the coding its header names is: one decoded already.
"""

from __future__ import annotations

import gzip
import importlib
import zlib
from typing import Any

IDENTITY = ("", "identity")
GZIP = ("gzip", "x-gzip")
DEFLATE = ("deflate",)
BROTLI = ("br",)


def codings(content_encoding: str | None) -> list[str]:
    """The codings applied, outermost last (``gzip, br``: gzip first, then brotli)."""
    found = [part.strip().lower() for part in (content_encoding or "").split(",")]
    return [coding for coding in found if coding not in IDENTITY]


def brotli_module() -> Any:
    """``brotli`` or ``brotlicffi`` (what urllib3, httpx and aiohttp decode ``br`` with), or None."""
    for name in ("brotli", "brotlicffi"):
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    return None


def _undo(body: bytes, coding: str) -> bytes:
    """One coding undone; ValueError if the body is not so coded, LookupError if we cannot tell."""
    try:
        if coding in GZIP:
            return gzip.decompress(body)
        if coding in DEFLATE:
            try:
                return zlib.decompress(body)
            except zlib.error:
                return zlib.decompress(body, -zlib.MAX_WBITS)  # raw deflate, as some servers send
    except (OSError, EOFError, zlib.error) as error:
        raise ValueError(f"not {coding} data ({error})") from None
    if coding in BROTLI:
        brotli = brotli_module()
        if brotli is None:
            raise LookupError("content-encoding br needs the brotli module to read (pip install brotli)")
        try:
            return brotli.decompress(body)  # type: ignore[no-any-return]
        except Exception as error:  # brotli.error, brotlicffi.Error: no common base
            raise ValueError(f"not br data ({error})") from None
    raise LookupError(f"content-encoding {coding!r} cannot be read (gzip, deflate and br can)")


def decode(body: bytes, content_encoding: str | None) -> bytes:
    """The body with its codings undone; ValueError if not so coded, LookupError if unreadable."""
    for coding in reversed(codings(content_encoding)):
        body = _undo(body, coding)
    return body
