"""What known credentials look like, by vendor, and where to look for them in a string.

A credential nobody told us about can still be recognised by its shape. ``find`` searches
a string as it is and, because servers and SDKs wrap bytes in base64 (sometimes gzipped),
also what each base64 run in it decodes to. The scrubber refuses a recording that still
holds a match; ``llmrec scan`` reports every match in files already on disk.
"""

from __future__ import annotations

import base64
import binascii
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

_START = r"(?<![A-Za-z0-9_-])"  # a key begins at a word edge: "task-..." holds no "sk-" key
# Key-shaped but no key: the placeholder pytest-llmrec gives a replaying test (plugin.PLACEHOLDER_KEY).
NOT_KEYS = frozenset({"sk-llmrec-replay-needs-no-key"})


@dataclass(frozen=True)
class Shape:
    """A vendor's pattern and the literals it starts with (``ignore_case``: looked for lower-cased).

    Searching a long text for a few literals is fast; running a dozen patterns over every position
    is not (seconds for a corpus of 3,000 recordings). So a pattern is only tried where its literal is.
    """

    pattern: re.Pattern[str]
    literals: tuple[str, ...]
    ignore_case: bool = False

    def search(self, text: str, lowered: str) -> bool:
        haystack = lowered if self.ignore_case else text
        for literal in self.literals:
            position = haystack.find(literal)
            while position >= 0:
                found = self.pattern.match(text, position)
                if found and found.group() not in NOT_KEYS:
                    return True
                position = haystack.find(literal, position + 1)
        return False


def _shape(pattern: str, *literals: str, ignore_case: bool = False) -> Shape:
    return Shape(re.compile(pattern, re.IGNORECASE if ignore_case else 0), literals, ignore_case)


# Vendor -> shape; the first vendor whose pattern matches names a hit, so the narrower come first.
SHAPES: dict[str, Shape] = {
    "an Anthropic key": _shape(_START + r"sk-ant-[A-Za-z0-9_-]{20,}", "sk-ant-"),
    "an OpenAI key": _shape(_START + r"sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}", "sk-"),
    "a Stripe secret key": _shape(_START + r"[sr]k_live_[A-Za-z0-9]{16,}", "sk_live_", "rk_live_"),
    "an AWS access key id": _shape(r"(?<![A-Z0-9])(?:AKIA|ASIA)[0-9A-Z]{16}(?![A-Z0-9])", "AKIA", "ASIA"),
    "an AWS secret access key": _shape(
        r"(?:secret_?access_?key|aws_?secret(?:_?key)?)[\"']?\s*[:=]\s*[\"']?[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])",
        "secret_access_key",
        "secretaccesskey",
        "aws_secret",
        "awssecret",
        ignore_case=True,
    ),
    "an AWS session token": _shape(
        r"(?:IQoJb3JpZ2luX2Vj|FwoGZXIvYXdz)[A-Za-z0-9/+=]{40,}", "IQoJb3JpZ2luX2Vj", "FwoGZXIvYXdz"
    ),
    "a Google API key": _shape(_START + r"AIza[0-9A-Za-z_-]{35}", "AIza"),
    "a Google OAuth token": _shape(_START + r"ya29\.[0-9A-Za-z_-]{20,}", "ya29."),
    "an Azure storage key": _shape(r"AccountKey=[A-Za-z0-9+/]{86}==", "AccountKey="),
    "an Azure key": _shape(
        r"(?:api-key|subscription-key|azure[a-z_-]*key)[\"']?\s*[:=]\s*[\"']?[0-9a-f]{32}(?![0-9a-f])",
        "api-key",
        "subscription-key",
        "azure",
        ignore_case=True,
    ),
    "a Hugging Face token": _shape(_START + r"hf_[A-Za-z0-9]{30,}", "hf_"),
    "a GitHub token": _shape(
        _START + r"(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})",
        *(f"gh{kind}_" for kind in "pousr"),
        "github_pat_",
    ),
    "a GitLab token": _shape(_START + r"glpat-[A-Za-z0-9_-]{20,}", "glpat-"),
    "a Slack token": _shape(_START + r"xox[abpr]-[A-Za-z0-9-]{10,}", *(f"xox{kind}-" for kind in "abpr")),
    "a JSON Web Token": _shape(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}", "eyJ"),
    "a PEM private key": _shape(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----", "-----BEGIN "),
}
# A value under a field named like this is an AWS secret key if it has the shape of one.
_SECRET_FIELD = re.compile(r"(?i)secret")
_AWS_SECRET_VALUE = re.compile(r"[A-Za-z0-9/+]{40}")

SHORTEST = 15  # no shape above matches fewer characters (a Slack token's)
_B64_RUN = re.compile(r"[A-Za-z0-9+/_-]{16,}={0,2}")
_GZIP_MAGIC = b"\x1f\x8b"
MAX_INFLATED = 1 << 20  # a gzip member is searched in its first MiB


@dataclass(frozen=True)
class Hit:
    """A key-shaped match: which vendor, and how it was wrapped ("", "base64", "base64+gzip")."""

    vendor: str
    wrapping: str = ""

    def describe(self) -> str:
        return self.vendor + (f" ({self.wrapping}-encoded)" if self.wrapping else "")


def _plain(text: str) -> str | None:
    lowered = text.lower()
    return next((vendor for vendor, shape in SHAPES.items() if shape.search(text, lowered)), None)


def mask(text: str) -> str:
    """``text`` with every key-shaped string replaced by its vendor's label (``<an OpenAI key>``)."""
    for vendor, shape in SHAPES.items():
        label = f"<{vendor}>"

        def labelled(found: re.Match[str], label: str = label) -> str:
            return found.group() if found.group() in NOT_KEYS else label

        text = shape.pattern.sub(labelled, text)
    return text


def field_hit(field: str, value: str) -> Hit | None:
    """A hit that only the field's name reveals: an AWS secret key under ``SecretAccessKey``."""
    if len(value) == 40 and _SECRET_FIELD.search(field) and _AWS_SECRET_VALUE.fullmatch(value):
        return Hit("an AWS secret access key")
    return None


def decode_base64(run: str) -> bytes | None:
    """The bytes a base64 run (standard or URL-safe, padding optional) stands for, None if it is not one."""
    padded = run.rstrip("=") + "=" * (-len(run.rstrip("=")) % 4)
    try:
        if "-" in run or "_" in run:
            return base64.urlsafe_b64decode(padded)
        return base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        return None


def inflate(data: bytes) -> bytes | None:
    """The first MiB of a gzip member, None if ``data`` is not one."""
    if not data.startswith(_GZIP_MAGIC):
        return None
    try:
        return zlib.decompressobj(wbits=31).decompress(data, MAX_INFLATED)
    except zlib.error:
        return None


def find_in_bytes(data: bytes, wrapping: str = "") -> Hit | None:
    """A key shape in raw bytes (a binary body), or in them gunzipped."""
    vendor = _plain(data.decode("latin-1"))
    if vendor is not None:
        return Hit(vendor, wrapping)
    inflated = inflate(data)
    if inflated is not None:
        vendor = _plain(inflated.decode("latin-1"))
        return Hit(vendor, f"{wrapping}+gzip" if wrapping else "gzip") if vendor else None
    return None


def find(text: str) -> Hit | None:
    """The first key shape in ``text``, as it is or inside one of its base64 runs."""
    if len(text) < SHORTEST:
        return None
    vendor = _plain(text)
    if vendor is not None:
        return Hit(vendor)
    decoded = [data for data in map(decode_base64, base64_runs(text)) if data]
    # The runs' bytes are searched in one pass, joined by a byte no key holds.
    hit = find_in_bytes(b"\n".join(decoded), "base64") if decoded else None
    gzipped = (find_in_bytes(data, "base64") for data in decoded if data.startswith(_GZIP_MAGIC))
    return hit or next((found for found in gzipped if found), None)


def base64_runs(text: str) -> Iterator[str]:
    """Stretches of ``text`` long enough to hide a key if they are base64."""
    return (match.group() for match in _B64_RUN.finditer(text))


def base64_run_spans(text: str) -> Iterator[re.Match[str]]:
    return _B64_RUN.finditer(text)
