"""One test's configuration: its marker and fixture read and validated, then merged with the run's options.

Precedence, highest first: command line (or ``LLMREC_RECORD_MODE``) > marker >
``llm_recording_config`` fixture > ini option > default. A test's markers are checked when
it is collected, so a typo stops the run before any test starts. When the test runs they
are read again (a hook may have added one since) with the fixture's value, and ``resolve``
merges everything once: its result drives everything the test does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_llmrec.errors import ConfigError, did_you_mean
from pytest_llmrec.jsonpath import JsonPath
from pytest_llmrec.modes import Mode, parse_mode
from pytest_llmrec.options import Options
from pytest_llmrec.storage.scrub import CREDENTIAL_ENV_VARS
from pytest_llmrec.stream_timing import AT_ONCE, StreamTiming

MARKER_NAME = "llm_recording"
MARKER_KEYWORDS = ("name", "mode", "ignore", "match_host", "recordings_dir", "shared_dirs", "scrub")
FIXTURE_KEYS = ("mode", "ignore", "match_host", "recordings_dir", "shared_dirs", "scrub")
MARKER = f"@pytest.mark.{MARKER_NAME}"
FIXTURE = "the llm_recording_config fixture"


@dataclass(frozen=True)
class Settings:
    """What one source of a test's configuration says, validated: its marker, or its fixture."""

    mode: Mode | None = None
    name: str | None = None
    recordings_dir: Path | None = None  # as given: relative to the test file
    ignore: tuple[JsonPath, ...] = ()
    match_host: bool | None = None
    shared_dirs: tuple[Path, ...] = ()  # as given: relative to the test file
    scrub: tuple[JsonPath, ...] = ()


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
    scrub_headers: tuple[str, ...] = ()  # more credential header names (lower case)
    scrub_query_params: tuple[str, ...] = ()  # more credential query parameter names (lower case)
    scrub_fields: tuple[str, ...] = ()  # more credential body field names (lower case)
    strict: bool = False  # an SDK type mismatch in a replayed body fails instead of warning
    record_on_failure: bool = True  # keep the recordings of a test that failed
    verify_allow: tuple[str, ...] = ()  # drift kinds that do not fail a test under verify
    # Read-only (recordings dir, scope) pairs keyed with their own scope: the native recordings of
    # the extra cassettes a vcr marker names (@pytest.mark.vcr("shared.yaml")).
    extra_scopes: tuple[tuple[Path, str], ...] = ()
    stream_timing: StreamTiming = AT_ONCE  # how replayed streams are paced (--llm-stream-timing)

    @property
    def read_dirs(self) -> tuple[Path, ...]:
        return (self.recordings_dir, *self.shared_dirs)


def marker_settings(markers: Iterable[tuple[tuple[Any, ...], Mapping[str, Any]]]) -> Settings:
    """The (args, kwargs) of every llm_recording marker on a test, farthest first: the closest wins."""
    merged: dict[str, Any] = {}
    for args, kwargs in markers:
        if args:
            raise ConfigError(f"{MARKER} takes keyword arguments only (name=..., mode=...), got {args!r}")
        merged.update(kwargs)
    _check_keywords(merged, MARKER_KEYWORDS, MARKER)
    name = merged.get("name")
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise ConfigError(f"'name' in {MARKER} must be a non-empty string, not {name!r}")
    return _settings(merged, MARKER, f"{MARKER}(mode=...)", name=name)


def fixture_settings(value: Any) -> Settings:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{FIXTURE} must return a dict, not {type(value).__name__}")
    _check_keywords(value, FIXTURE_KEYS, FIXTURE)
    return _settings(value, FIXTURE, "llm_recording_config['mode']")


def scope_of(marker: Settings, nodeid: str) -> str:
    """The scope a test's recordings belong to: the marker's ``name``, else the test's node id."""
    return marker.name or nodeid


def resolve(
    *, options: Options, marker: Settings, fixture: Settings, nodeid: str, test_dir: Path
) -> RecordingConfig:
    """Merge a test's sources by precedence."""
    mode = options.cli_mode or marker.mode or fixture.mode or options.ini_mode or Mode.REPLAY
    given_dir = marker.recordings_dir or fixture.recordings_dir
    recordings_dir = (
        options.cli_recordings_dir
        or (test_dir / given_dir if given_dir is not None else None)
        or options.ini_recordings_dir
        or test_dir / "recordings"
    )
    match_host = marker.match_host if marker.match_host is not None else fixture.match_host
    shared = [test_dir / path for path in fixture.shared_dirs + marker.shared_dirs] + list(
        options.shared_dirs
    )
    return RecordingConfig(
        scope=scope_of(marker, nodeid),
        mode=mode,
        recordings_dir=recordings_dir,
        ignore=tuple(dict.fromkeys(fixture.ignore + marker.ignore)),
        match_host=bool(match_host),
        shared_dirs=tuple(dict.fromkeys(shared)),
        scrub_env_vars=tuple(dict.fromkeys(CREDENTIAL_ENV_VARS + options.scrub_env_vars)),
        scrub=tuple(dict.fromkeys(options.scrub_paths + fixture.scrub + marker.scrub)),
        scrub_headers=options.scrub_headers,
        scrub_query_params=options.scrub_query_params,
        scrub_fields=options.scrub_fields,
        strict=options.strict,
        record_on_failure=options.record_on_failure,
        verify_allow=options.verify_allow,
        stream_timing=options.stream_timing,
    )


def _settings(source: Mapping[str, Any], where: str, mode_where: str, name: str | None = None) -> Settings:
    mode = source.get("mode")
    match_host = source.get("match_host")
    if match_host is not None and not isinstance(match_host, bool):
        raise ConfigError(f"'match_host' in {where} must be True or False, not {match_host!r}")
    recordings_dir = source.get("recordings_dir")
    if recordings_dir is not None and not isinstance(recordings_dir, (str, Path)):
        raise ConfigError(f"'recordings_dir' in {where} must be a path, not {recordings_dir!r}")
    return Settings(
        mode=parse_mode(mode, mode_where) if mode is not None else None,
        name=name,
        recordings_dir=Path(recordings_dir) if recordings_dir is not None else None,
        ignore=_json_paths(source.get("ignore"), "ignore", where),
        match_host=match_host,
        shared_dirs=_paths(source.get("shared_dirs"), "shared_dirs", where),
        scrub=_json_paths(source.get("scrub"), "scrub", where),
    )


def _check_keywords(given: Iterable[str], allowed: tuple[str, ...], where: str) -> None:
    """Reject misspelt keywords with a suggestion, instead of silently ignoring them."""
    for key in given:
        if key not in allowed:
            raise ConfigError(
                f"unknown keyword {key!r} in {where}{did_you_mean(key, allowed)}; "
                f"valid keywords: {', '.join(allowed)}"
            )


def _json_paths(value: Any, key: str, where: str) -> tuple[JsonPath, ...]:
    if value is None:
        return ()
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, Iterable) or not all(isinstance(v, str) for v in values):
        raise ConfigError(f"{key!r} in {where} must be a string or a list of strings, not {value!r}")
    try:
        return tuple(JsonPath.parse(v) for v in values)
    except ConfigError as error:
        raise ConfigError(f"{key!r} in {where}: {error}") from None


def _paths(value: Any, key: str, where: str) -> tuple[Path, ...]:
    if value is None:
        return ()
    values = [value] if isinstance(value, (str, Path)) else value
    if not isinstance(values, Iterable) or not all(isinstance(v, (str, Path)) for v in values):
        raise ConfigError(f"{key!r} in {where} must be a path or a list of paths, not {value!r}")
    return tuple(Path(v) for v in values)
