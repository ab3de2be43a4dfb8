"""``llmrec scan``: look for key-shaped strings in every file under the given paths.

A key can reach disk by ways this plugin does not control: a VCR.py cassette in YAML, a
leftover temporary file, a log, a file written by hand. So every file is read, whatever its
name: JSON, JSON lines, YAML (``!!binary`` bodies included) and otherwise plain text or bytes,
gunzipped when it is gzip, with base64 decoded where a run of it can hide a key. Each hit
names the file, the field (or line) and the vendor.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import yaml

from pytest_llmrec.storage import key_shapes
from pytest_llmrec.storage.scrub import hits, stream_hits

SKIPPED_DIRS = frozenset(
    {".git", ".hg", ".svn", ".venv", "venv", "node_modules", "__pycache__", ".tox"}
    | {".pytest_cache", ".mypy_cache", ".ruff_cache"}
)
YAML_SUFFIXES = (".yaml", ".yml")
_SECRET = re.compile(r"(?i)secret")  # a field name that makes a 40-character value an AWS secret key


@dataclass(frozen=True)
class Finding:
    """One key-shaped string: the file, where in it, and what it looks like."""

    path: Path
    where: str
    hit: key_shapes.Hit

    def __str__(self) -> str:
        return f"{self.path}: {self.where} holds what looks like {self.hit.describe()}"


def files_under(paths: list[Path]) -> Iterator[Path]:
    """Every regular file under the paths, in a stable order, outside version control, virtualenvs and
    tool caches."""
    for path in paths:
        if not path.is_dir():
            yield path
            continue
        for root, dirs, names in os.walk(path):
            dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
            for name in sorted(names):
                file = Path(root, name)
                if file.is_file():
                    yield file


def scan_file(path: Path) -> list[Finding]:
    """Every key-shaped string in one file; OSError if it cannot be read."""
    data = path.read_bytes()
    inflated = key_shapes.inflate(data)
    if inflated is not None:
        data = inflated
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        hit = key_shapes.find_in_bytes(data)
        return [Finding(path, "<bytes>", hit)] if hit else []
    return [Finding(path, where, hit) for where, hit in _text_hits(path, text)]


def _text_hits(path: Path, text: str) -> Iterator[tuple[str, key_shapes.Hit]]:
    document = _parsed(path, text)
    if document is not None:
        # One pass over the whole text first: most files hold nothing, and walking every field
        # of thousands of files costs seconds. The walk then names the field.
        whole = text.replace("\\/", "/")
        if (
            key_shapes.find(whole)
            or _SECRET.search(whole)
            or (isinstance(document, dict) and "!!binary" in text)
        ):
            yield from hits(document)
        else:
            yield from stream_hits(document)
        return
    lines = text.splitlines()
    documents = [_json(line) for line in lines]
    if lines and all(d is not None or not line.strip() for d, line in zip(documents, lines, strict=True)):
        for number, document in enumerate(documents, 1):  # JSON lines
            yield from ((f"line {number}: {where}", hit) for where, hit in hits(document))
        return
    for number, line in enumerate(lines, 1):
        hit = key_shapes.find(line)
        if hit is not None:
            yield f"line {number}", hit


def _json(text: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return None


def _parsed(path: Path, text: str) -> Any:
    """The file as one JSON or YAML document (a VCR.py cassette); None if it is neither."""
    document = _json(text)
    if document is not None or (path.suffix not in YAML_SUFFIXES and "!!binary" not in text):
        return document
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return None


def scan(paths: list[Path], as_json: bool = False) -> int:
    """Report every key-shaped string under the paths: 1 if any file holds one or cannot be read.

    The report names the file, the field and the vendor, never the value: it lands in CI logs.
    """
    files = flagged = 0
    report: list[dict[str, str]] = []
    for path in files_under(paths):
        files += 1
        try:
            findings = scan_file(path)
        except OSError as error:
            problem = f"cannot read: {error}"
            report.append({"file": str(path), "where": "<file>", "problem": problem})
            if not as_json:
                print(f"{path}: {problem}", file=sys.stderr)
            flagged += 1
            continue
        for finding in findings:
            report.append({"file": str(path), "where": finding.where, "problem": finding.hit.describe()})
            if not as_json:
                print(finding, file=sys.stderr)
        flagged += bool(findings)
    if as_json:
        document = {"files": files, "flagged": flagged, "findings": report}
        print(orjson.dumps(document, option=orjson.OPT_INDENT_2).decode())
    else:
        print(f"llmrec scan: {files} file(s), {flagged} with a secret or unreadable")
    return 1 if flagged else 0
