"""Modes and per-test configuration: resolve every source into one validated value.

Precedence, highest first: command line (or ``LLMREC_RECORD_MODE``) > marker >
``llm_recording_config`` fixture > ini option > default.
"""

from __future__ import annotations

import difflib
import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_llmrec.errors import ConfigError
from pytest_llmrec.jsonpath import JsonPath
from pytest_llmrec.storage.scrub import CREDENTIAL_ENV_VARS


class Mode(str, enum.Enum):
    """What happens to a request: replay it, record it, or let it through."""

    REPLAY = "replay"
    RECORD_MISSING = "record-missing"
    REWRITE = "rewrite"
    LIVE = "live"

    @property
    def goes_live_on_hit(self) -> bool:
        return self in (Mode.REWRITE, Mode.LIVE)

    @property
    def records(self) -> bool:
        return self in (Mode.RECORD_MISSING, Mode.REWRITE)


# Names other recorders use for the same behaviour, so users can keep their habits.
MODE_ALIASES: dict[str, Mode] = {
    "none": Mode.REPLAY,  # VCR.py
    "once": Mode.RECORD_MISSING,  # VCR.py
    "new_episodes": Mode.RECORD_MISSING,  # VCR.py
    "record-if-missing": Mode.RECORD_MISSING,  # llama-stack
    "all": Mode.REWRITE,  # VCR.py
    "record": Mode.REWRITE,  # llama-stack
}

MARKER_NAME = "llm_recording"
MARKER_KEYWORDS = ("name", "mode", "ignore", "match_host", "recordings_dir", "shared_dirs", "scrub")
FIXTURE_KEYS = ("mode", "ignore", "match_host", "recordings_dir", "shared_dirs", "scrub")


def valid_modes_text() -> str:
    modes = ", ".join(m.value for m in Mode)
    aliases = ", ".join(f"{alias}={mode.value}" for alias, mode in MODE_ALIASES.items())
    return f"valid modes: {modes} (aliases: {aliases})"


def parse_mode(value: str | Mode, source: str) -> Mode:
    """Turn a mode name or alias into a Mode; ``source`` says where it came from."""
    if isinstance(value, Mode):
        return value
    text = str(value).strip().lower().replace("_", "-")
    for candidate in (text, text.replace("-", "_")):
        if candidate in MODE_ALIASES:
            return MODE_ALIASES[candidate]
    try:
        return Mode(text)
    except ValueError:
        raise ConfigError(f"unknown recording mode {value!r} in {source}; {valid_modes_text()}") from None


def check_keywords(given: Iterable[str], allowed: Iterable[str], where: str) -> None:
    """Reject misspelt keywords with a suggestion, instead of silently ignoring them."""
    allowed = tuple(allowed)
    for key in given:
        if key not in allowed:
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(
                f"unknown keyword {key!r} in {where}{hint}; valid keywords: {', '.join(allowed)}"
            )


def _json_paths(value: Any, key: str, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Iterable) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ConfigError(f"{key!r} in {where} must be a string or a list of strings, not {value!r}")


def _flag(value: Any, key: str, where: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{key!r} in {where} must be True or False, not {value!r}")
    return value


@dataclass(frozen=True)
class SessionOptions:
    """What the command line, environment and ini file say for the whole run."""

    cli_mode: Mode | None = None
    cli_recordings_dir: Path | None = None
    ini_mode: Mode | None = None
    ini_recordings_dir: Path | None = None
    ini_shared_dirs: tuple[Path, ...] = ()
    ini_scrub_env_vars: tuple[str, ...] = ()
    ini_scrub_paths: tuple[str, ...] = ()


@dataclass(frozen=True)
class RecordingConfig:
    """Everything one test needs to find, replay and write its recordings."""

    scope: str
    mode: Mode
    recordings_dir: Path
    ignore: tuple[JsonPath, ...] = ()
    match_host: bool = False
    shared_dirs: tuple[Path, ...] = ()  # read after recordings_dir, never written
    scrub_env_vars: tuple[str, ...] = CREDENTIAL_ENV_VARS  # whose values never reach a recording
    scrub: tuple[JsonPath, ...] = ()  # body fields whose values never reach a recording
    record_on_failure: bool = True  # keep the recordings of a test that failed

    @property
    def read_dirs(self) -> tuple[Path, ...]:
        return (self.recordings_dir, *self.shared_dirs)


def _paths(value: Any, key: str, where: str, base: Path) -> tuple[Path, ...]:
    if value is None:
        return ()
    values = [value] if isinstance(value, (str, Path)) else value
    if not isinstance(values, Iterable) or not all(isinstance(v, (str, Path)) for v in values):
        raise ConfigError(f"{key!r} in {where} must be a path or a list of paths, not {value!r}")
    return tuple(base / Path(v) for v in values)


def resolve(
    *,
    session: SessionOptions,
    marker: Mapping[str, Any],
    fixture: Mapping[str, Any],
    default_scope: str,
    test_dir: Path,
) -> RecordingConfig:
    """Merge the sources by precedence and validate each value once."""
    check_keywords(marker, MARKER_KEYWORDS, f"@pytest.mark.{MARKER_NAME}")
    check_keywords(fixture, FIXTURE_KEYS, "the llm_recording_config fixture")

    mode = session.cli_mode
    if mode is None and marker.get("mode") is not None:
        mode = parse_mode(marker["mode"], f"@pytest.mark.{MARKER_NAME}(mode=...)")
    if mode is None and fixture.get("mode") is not None:
        mode = parse_mode(fixture["mode"], "llm_recording_config['mode']")
    mode = mode or session.ini_mode or Mode.REPLAY

    recordings_dir = session.cli_recordings_dir
    for source in (marker, fixture):
        if recordings_dir is None and source.get("recordings_dir") is not None:
            recordings_dir = test_dir / Path(source["recordings_dir"])
    recordings_dir = recordings_dir or session.ini_recordings_dir or test_dir / "recordings"

    name = marker.get("name")
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise ConfigError(f"'name' in @pytest.mark.{MARKER_NAME} must be a non-empty string, not {name!r}")

    match_host = marker.get("match_host", fixture.get("match_host", False))
    shared_dirs = (
        _paths(fixture.get("shared_dirs"), "shared_dirs", "llm_recording_config", test_dir)
        + _paths(marker.get("shared_dirs"), "shared_dirs", f"@pytest.mark.{MARKER_NAME}", test_dir)
        + session.ini_shared_dirs
    )
    scrub = (
        session.ini_scrub_paths
        + _json_paths(fixture.get("scrub"), "scrub", "llm_recording_config")
        + _json_paths(marker.get("scrub"), "scrub", f"@pytest.mark.{MARKER_NAME}")
    )
    ignore = _json_paths(fixture.get("ignore"), "ignore", "llm_recording_config") + _json_paths(
        marker.get("ignore"), "ignore", f"@pytest.mark.{MARKER_NAME}"
    )
    return RecordingConfig(
        scope=name or default_scope,
        mode=mode,
        recordings_dir=recordings_dir,
        ignore=tuple(JsonPath.parse(path) for path in dict.fromkeys(ignore)),
        match_host=_flag(match_host, "match_host", "the recording configuration"),
        shared_dirs=tuple(dict.fromkeys(shared_dirs)),
        scrub_env_vars=tuple(dict.fromkeys(CREDENTIAL_ENV_VARS + session.ini_scrub_env_vars)),
        scrub=tuple(JsonPath.parse(path) for path in dict.fromkeys(scrub)),
    )
