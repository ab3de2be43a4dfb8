"""Which files under a path are VCR.py cassettes: what ``llmrec import`` converts, ``llmrec check`` skips.

A cassette is a ``.yaml`` / ``.yml`` file (gzipped or not), or a ``.json`` one whose top level
is shaped as VCR.py's JSON serializer writes it. JSON files that hold native recordings (or
llama-stack's) are told apart by their shape, so a directory converted in place can be
imported again.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Literal

from pytest_llmrec.cassettes.files import read_text

YAML_SUFFIXES = (".yaml", ".yml", ".yaml.gz", ".yml.gz")
JSON_SUFFIXES = (".json", ".json.gz")
SKIPPED_FOLDERS = ("__pycache__", "node_modules")
Kind = Literal["cassette", "recording", "other"]


def candidates(root: Path) -> list[Path]:
    """Files under ``root`` (or ``root`` itself) that may be cassettes, by suffix; hidden ones skipped."""
    if not root.is_dir():
        return [root]
    found = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIPPED_FOLDERS)
        for name in sorted(names):
            if not name.startswith(".") and name.endswith(YAML_SUFFIXES + JSON_SUFFIXES):
                found.append(Path(folder) / name)
    return found


def kind(path: Path) -> Kind:
    """A cassette by its name (YAML) or its JSON's shape; a recording (ours, llama-stack's); or other."""
    if path.name.endswith(YAML_SUFFIXES):
        return "cassette"
    if not path.name.endswith(JSON_SUFFIXES):
        return "other"
    try:
        data = json.loads(read_text(path))
    except Exception:  # unreadable, not JSON: nobody's cassette
        return "other"
    return shape(data)


def shape(data: Any) -> Kind:
    """What a parsed JSON document is, by its top level."""
    if isinstance(data, dict):
        if "interactions" in data or ("requests" in data and "responses" in data):
            return "cassette"
        if "request" in data and "response" in data:
            return "recording"
    if isinstance(data, list) and data and isinstance(data[0], dict) and "request" in data[0]:
        return "cassette"  # VCR.py before 1.0
    return "other"


def holds_cassettes(root: Path) -> bool:
    """Whether ``llmrec import`` should read ``root`` as VCR.py cassettes (else llama-stack recordings)."""
    return any(kind(path) == "cassette" for path in candidates(root))
