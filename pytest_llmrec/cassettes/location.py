"""Where the native recordings that take over from a cassette live.

A cassette ``cassettes/test_chat/TestChat.test_ask.yaml`` hands over to native files in
``cassettes/test_chat/TestChat.test_ask/``: the recordings directory is the cassette's
folder and the scope is its name without the suffix. The plugin (new recordings of a
vcr-marked test) and ``llmrec import`` (converting a cassette) both ask this module, so
what one writes the other finds.
"""

from __future__ import annotations

from pathlib import Path

CASSETTE_SUFFIXES = (".yaml", ".yml", ".json")
COMPRESSED_SUFFIX = ".gz"


def cassette_name(cassette: Path) -> str:
    """The cassette's file name without ``.gz`` and its serializer's suffix."""
    name = cassette.name
    if name.endswith(COMPRESSED_SUFFIX):
        name = name[: -len(COMPRESSED_SUFFIX)]
    for suffix in CASSETTE_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def native_folder(cassette: Path) -> tuple[Path, str]:
    """The recordings directory and the scope of the native recordings replacing ``cassette``."""
    return cassette.parent, cassette_name(cassette)
