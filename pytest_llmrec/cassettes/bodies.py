"""Cassette bodies: as bytes whatever form VCR.py stored them in, and their ``content-encoding``.

VCR.py's clients disagree on what a cassette holds for a compressed response. httpx's stub
stores the raw compressed bytes with ``content-encoding: gzip``; the stubs of requests (urllib3)
and aiohttp store the decoded body but keep the header; ``decode_compressed_response: True``
stores it decoded and drops the header. So a body's header does not say whether it is
compressed: ``compressed`` tries it. The codings themselves are ``storage.encodings``'.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pytest_llmrec.errors import RecordingFileError
from pytest_llmrec.storage.encodings import codings, decode


def body_bytes(value: Any, path: Path, field: str) -> bytes | None:
    """A stored body as bytes: text as UTF-8, ``!!binary`` as it is, ``{"string": ...}`` unwrapped,
    the chunks of an iterator body joined, aiohttp's ``json=`` data (a mapping or list) as JSON.
    VCR.py's JSON serializer refuses binary bodies, so JSON cassettes hold text only."""
    if value is None or isinstance(value, bytes):
        return value
    if isinstance(value, bytearray):
        return bytes(value)
    if isinstance(value, str):
        try:
            return value.encode("utf-8")
        except UnicodeEncodeError as error:
            raise RecordingFileError(path, field, f"text that is not UTF-8 ({error.reason})") from None
    if isinstance(value, Mapping) and set(value) == {"string"}:
        return body_bytes(value["string"], path, f"{field}.string")
    if isinstance(value, list) and all(isinstance(item, (str, bytes, type(None))) for item in value):
        parts = [body_bytes(item, path, f"{field}[{n}]") for n, item in enumerate(value)]
        return b"".join(part or b"" for part in parts)
    if isinstance(value, (Mapping, list)):  # aiohttp's stub stores json= data as it was given
        try:
            return json.dumps(value).encode("utf-8")
        except (TypeError, ValueError) as error:
            raise RecordingFileError(path, field, f"a JSON body that cannot be encoded ({error})") from None
    raise RecordingFileError(path, field, f"a {type(value).__name__}, not a string or binary body")


def _looks_decoded(body: bytes) -> bool:
    """Text, as a decoded LLM answer is (JSON, SSE, HTML): compressed data is almost never UTF-8."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(char.isprintable() or char in "\r\n\t" for char in text[:4096])


def compressed(body: bytes, content_encoding: str | None) -> bool:
    """Whether the body really is coded as its header says (False: stored decoded, header kept).

    A coding that cannot be tried here (``br`` without the brotli module) counts as applied unless
    the body is plain text; ``decoded`` then refuses it, naming the file.
    """
    if not codings(content_encoding) or not body:
        return False
    try:
        decode(body, content_encoding)
    except ValueError:
        return False
    except LookupError:
        return not _looks_decoded(body)
    return True


def check_readable(body: bytes, content_encoding: str | None, path: Path, field: str) -> None:
    """Refuse, naming the file, a compressed body no client here can read (``br`` without brotli)."""
    if not codings(content_encoding) or not body:
        return
    try:
        decode(body, content_encoding)
    except ValueError:
        return  # not so coded: stored decoded, header kept (aiohttp)
    except LookupError as error:
        if not _looks_decoded(body):
            raise RecordingFileError(path, field, str(error)) from None


def header(headers: Mapping[str, list[str]], name: str) -> str | None:
    """A header's values joined by commas, its name matched in any case."""
    values = [value for key, found in headers.items() if key.lower() == name for value in found]
    return ", ".join(values) if values else None


def decoded(body: bytes, content_encoding: str | None, path: Path, field: str) -> bytes:
    """The body as the client reads it: decoded when it is compressed, else as stored."""
    if not compressed(body, content_encoding):
        return body
    try:
        return decode(body, content_encoding)
    except (LookupError, ValueError) as error:
        raise RecordingFileError(path, field, str(error)) from None
