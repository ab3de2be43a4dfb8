"""Cassette names and paths, derived as pytest-recording derives them, so existing files are found."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

# Characters pytest-recording replaces by "-" in a cassette name, as forbidden in file names.
FORBIDDEN = "<>?%*:|\"'/\\"


def max_filename_length() -> int:
    try:
        return os.pathconf(".", "PC_NAME_MAX")
    except (AttributeError, ValueError, OSError):
        return 255


def default_cassette_name(class_name: str | None, test_name: str) -> str:
    """``TestClass.test_name[param]`` or ``test_name``, forbidden characters replaced by ``-``."""
    name = f"{class_name}.{test_name}" if class_name else test_name
    for character in FORBIDDEN:
        name = name.replace(character, "-")
    return name


def shortened(name: str, config: dict[str, Any]) -> str:
    """A name too long for a file keeps a prefix and gains an md5, as pytest-recording does.

    pytest-recording measures the suffix as ``.yaml`` by default but as the serializer's bare name
    (``json``) when one is configured, and so does this: the same names come out.
    """
    suffix = str(config.get("serializer", ".yaml"))
    limit = max_filename_length()
    if len(name) + len(suffix) <= limit:
        return name
    digest = hashlib.md5(name.encode()).hexdigest()
    return f"{name[: limit - len(suffix) - len(digest) - 3]}...{digest}"


def extra_cassette_path(path: str, cassette_dir: str) -> Path:
    """``@pytest.mark.vcr("shared.yaml")``: relative to the module's cassette folder, as given."""
    return Path(path) if os.path.isabs(path) else Path(cassette_dir, path)
