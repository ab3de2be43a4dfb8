"""A vcr-marked test's VCR.py configuration: merged as pytest-recording merges it, checked, and opened.

pytest-recording merges ``vcr_config`` with the test's ``vcr`` markers (the closest marker
wins), builds a ``VCR`` for the module's cassette folder, lets ``pytest_recording_configure``
register matchers on it, and opens the cassette. This module does the same with VCR.py's own
classes, so matchers, filters and record modes mean what they meant, but it opens the cassette
read only: VCR.py never patches a client nor saves a file here; the tape does the rest.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from vcr import VCR
from vcr.cassette import Cassette, CassetteNotFoundError

from pytest_llmrec.cassettes import files
from pytest_llmrec.dropin.player import CassettePlayer
from pytest_llmrec.errors import ConfigError, did_you_mean
from pytest_llmrec.modes import Mode

RECORD_MODES = ("once", "new_episodes", "none", "all", "rewrite")
PYTEST_VCR_RECORD_MODES = ("once", "new_episodes", "none", "all")

# What each pytest-recording record mode becomes. ``once`` depends on whether the test has
# recordings yet (see ``to_mode``).
MODES = {
    "none": Mode.REPLAY,
    "new_episodes": Mode.RECORD_MISSING,
    "all": Mode.REWRITE,
    "rewrite": Mode.REWRITE,
}

# VCR.py's use_cassette keywords (vcrpy 9.x) and pytest-recording's own, honoured as VCR.py does.
HONOURED = (
    "serializer",
    "cassette_library_dir",
    "path_transformer",
    "record_mode",
    "match_on",
    "additional_matchers",
    "filter_headers",
    "filter_query_parameters",
    "filter_post_data_parameters",
    "filter_nested_post_data_parameters",
    "filter_sensitive_data",
    "before_record_request",
    "before_record",
    "before_record_response",
    "after_load_interaction",
    "decode_compressed_response",
    "ignore_hosts",
    "ignore_localhost",
    "allow_playback_repeats",
    "record_on_exception",
    "persister",
    "allowed_hosts",
)
# Keywords VCR.py knows that change nothing here, and why.
NO_EFFECT = {
    "custom_patches": "pytest-llmrec intercepts every client VCR.py knows itself",
    "skip_patchers": "pytest-llmrec intercepts every client VCR.py knows itself",
    "inject_cassette": "the cassette is the vcr fixture's value",
    "func_path_generator": "cassettes are named after the test",
    "drop_unused_requests": "cassettes are read only: new recordings are native files",
    "before_save_interaction": "cassettes are read only: new recordings are native files",
}


def merge_kwargs(config: Mapping[str, Any], markers: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """``vcr_config`` updated by each marker's keywords, farthest first (markers come closest first)."""
    merged = copy.deepcopy(dict(config))
    for kwargs in reversed(markers):
        merged.update(kwargs)
    return merged


def config_warnings(merged: Mapping[str, Any]) -> list[str]:
    """One line per keyword that would do nothing: unknown (with a suggestion) or without effect here."""
    lines = []
    for key in merged:
        if key in NO_EFFECT:
            lines.append(f"vcr_config key {key!r} has no effect under pytest-llmrec: {NO_EFFECT[key]}")
        elif key not in HONOURED:
            known = [*HONOURED, *NO_EFFECT]
            lines.append(f"unknown vcr_config key {key!r} is ignored{did_you_mean(key, known)}")
    return lines


def record_mode(fixture: str, merged: Mapping[str, Any]) -> str:
    """pytest-recording's precedence: ``record_mode`` in vcr_config or a marker, then the ``record_mode``
    fixture (the command line's, else "none")."""
    mode = merged.get("record_mode", fixture) or "none"
    mode = getattr(mode, "value", mode)  # VCR.py's RecordMode enum
    if mode not in RECORD_MODES:
        raise ConfigError(
            f"unknown record_mode {mode!r}; valid: {', '.join(RECORD_MODES)}"
            + did_you_mean(str(mode), RECORD_MODES)
        )
    return str(mode)


def to_mode(mode: str, *, recorded: bool) -> Mode:
    """Our mode for a pytest-recording one. ``once`` records only a test that has nothing recorded yet,
    as VCR.py records only a cassette that does not exist; after that it replays."""
    if mode == "once":
        return Mode.REPLAY if recorded else Mode.RECORD_MISSING
    return MODES[mode]


class CassetteFiles:
    """The persister: the test's cassette and its extra ones, loaded together, never saved.

    ``own=False`` leaves the test's own cassette out, as ``rewrite`` does in pytest-recording,
    which deletes it before the test: the ``vcr`` fixture then holds only what this run sends.
    """

    def __init__(self, extras: Sequence[Path], *, own: bool = True) -> None:
        self.extras = tuple(extras)
        self.own = own

    def load_cassette(self, cassette_path: str, serializer: Any) -> tuple[list[Any], list[Any]]:
        requests: list[Any] = []
        responses: list[Any] = []
        for path in dict.fromkeys([*([Path(cassette_path)] if self.own else []), *self.extras]):
            if path.is_file():
                found, answers = _load(path, serializer)
                requests += found
                responses += answers
        if not requests:
            raise CassetteNotFoundError(f"no cassette at {cassette_path}")
        return requests, responses

    def save_cassette(self, cassette_path: str, cassette_dict: Any, serializer: Any) -> None:
        raise AssertionError("pytest-llmrec never writes a cassette")


def _load(path: Path, serializer: Any) -> tuple[list[Any], list[Any]]:
    """VCR.py's YAML and JSON serializers' files read by ``cassettes.files`` (old tags, gzip, both
    layouts, errors naming the field); a serializer the user registered reads its own."""
    from vcr.serializers import jsonserializer, yamlserializer

    if serializer is yamlserializer or serializer is jsonserializer or serializer is None:
        named = files.suffix_serializer(path)  # an extra cassette may be in the other format
        default = files.JSON if serializer is jsonserializer else files.YAML
        return files.read_cassette(path, named or default)
    return files.read_custom(path, serializer)


def make_vcr(cassette_dir: str, mode: str, extras: Sequence[Path], merged: Mapping[str, Any]) -> VCR:
    """The ``VCR`` handed to ``pytest_recording_configure``, where users register matchers; built as
    pytest-recording builds it (the serializer's suffix added to the cassette's name)."""
    suffix = "." + str(merged.get("serializer", "yaml"))
    vcr = VCR(
        path_transformer=VCR.ensure_suffix(suffix),
        cassette_library_dir=cassette_dir,
        record_mode="all" if mode == "rewrite" else mode,
    )
    vcr.register_persister(CassetteFiles(extras, own=mode != "rewrite"))
    return vcr


def open_cassette(vcr: VCR, name: str, merged: Mapping[str, Any], extras: tuple[Path, ...]) -> CassettePlayer:
    """The test's cassette, loaded by VCR.py's ``Cassette`` at the path VCR.py would use."""
    options = {key: value for key, value in merged.items() if key in HONOURED and key != "allowed_hosts"}
    if options.get("record_mode") == "rewrite":
        options["record_mode"] = "all"
    try:
        config = vcr.get_merged_config(path=name, **options)
    except KeyError as error:  # a match_on name no one registered
        raise ConfigError(f"{error.args[0]}; register it in pytest_recording_configure") from None
    path = config.pop("path_transformer")(config.pop("path"))
    for key in ("func_path_generator", "record_on_exception"):
        config.pop(key, None)
    return CassettePlayer(Cassette.load(path=path, **config), extras)
