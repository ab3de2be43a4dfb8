"""pytest glue for pytest-recording's names: options, markers, fixtures and its configure hook.

Registered by ``pytest_llmrec.plugin`` only when pytest-recording and pytest-vcr are not loaded.
The fixtures are pytest-recording's (same names, scopes and precedence), so a conftest that
overrides ``vcr_config`` or ``vcr_cassette_dir`` keeps working; the ``vcr`` fixture opens the
test's cassette read only and runs the test on a tape that asks the cassette first.
"""

from __future__ import annotations

import dataclasses
import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pytest_llmrec import plugin as core
from pytest_llmrec.cassettes.location import native_folder
from pytest_llmrec.config import RecordingConfig, Settings, resolve
from pytest_llmrec.dropin import hooks, names, vcr_options
from pytest_llmrec.errors import ConfigError, RecordingWarning
from pytest_llmrec.intercept.guard import Guard, network_guard, replay_guard, resolve_hosts
from pytest_llmrec.modes import Mode
from pytest_llmrec.storage.store import scope_folder

MARKERS = (
    "vcr(*extra_cassettes, **vcr_options): record and replay this test's HTTP traffic with its cassette "
    "(pytest-recording's marker, served by pytest-llmrec)",
    "block_network(allowed_hosts=None): refuse this test's network access (pytest-recording's marker)",
    "default_cassette(name): the name of this test's cassette (pytest-recording's marker)",
    "allowed_hosts(hosts): hosts a blocked test may reach (pytest-recording's marker)",
)
LOOPBACK_NAMES = ("localhost", "0.0.0.0", "127.0.0.1", "::1")
warned_key = pytest.StashKey[set[str]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("recording", "pytest-recording's options, served by pytest-llmrec")
    group.addoption(
        "--record-mode",
        choices=vcr_options.RECORD_MODES,
        default=None,
        help="VCR.py record mode for tests marked vcr: none (default: replay, never record), once (record "
        "a test with no recording yet), new_episodes (record what has no recording), all or rewrite "
        "(record again; either removes the test's YAML cassette once the test passed). New recordings are "
        "pytest-llmrec's native files beside the cassette. --llm-record beats it.",
    )
    group.addoption(
        "--block-network",
        action="store_true",
        default=False,
        help="refuse network access in every test except vcr-marked tests that record.",
    )
    group.addoption(
        "--allowed-hosts",
        default=None,
        help="comma-separated hosts that tests blocked by --block-network may still reach.",
    )
    group.addoption(
        "--disable-recording",
        action="store_true",
        default=False,
        help="run vcr-marked tests without their cassettes, as if unmarked.",
    )
    group.addoption(
        "--vcr-record",
        choices=vcr_options.PYTEST_VCR_RECORD_MODES,
        default=None,
        help="pytest-vcr's name for --record-mode.",
    )
    group.addoption(
        "--disable-vcr", action="store_true", default=False, help="pytest-vcr's name for --disable-recording."
    )


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    pluginmanager.add_hookspecs(hooks)


def pytest_configure(config: pytest.Config) -> None:
    for line in MARKERS:
        config.addinivalue_line("markers", line)
    config.stash[warned_key] = set()


@pytest.fixture(scope="session")
def record_mode(request: pytest.FixtureRequest) -> str:
    """The command line's record mode (``--record-mode``, pytest-vcr's ``--vcr-record``), else "none"."""
    options = request.config.option
    return str(options.record_mode or options.vcr_record or "none")


@pytest.fixture(scope="session")
def disable_recording(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.option.disable_recording or request.config.option.disable_vcr)


@pytest.fixture
def vcr_config() -> dict[str, Any]:
    """Keywords for every cassette (``filter_headers``, ``match_on``, ...); override it in a conftest."""
    return {}


@pytest.fixture
def vcr_markers(request: pytest.FixtureRequest) -> list[pytest.Mark]:
    return list(request.node.iter_markers(name="vcr"))


@pytest.fixture
def allowed_hosts(request: pytest.FixtureRequest) -> list[str] | None:
    """The block_network marker's, else --allowed-hosts, else vcr_config's ``allowed_hosts``."""
    marker = request.node.get_closest_marker("block_network")
    hosts = (
        (marker.kwargs.get("allowed_hosts") if marker is not None else None)
        or request.config.option.allowed_hosts
        or request.getfixturevalue("vcr_config").get("allowed_hosts")
    )
    return hosts.split(",") if isinstance(hosts, str) else hosts


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    """``cassettes/<module name>/`` beside the test module, so equal test names in two modules differ."""
    module = Path(request.node.path)
    return os.path.join(module.parent, "cassettes", module.stem)


@pytest.fixture
def default_cassette_name(request: pytest.FixtureRequest) -> str:
    marker = request.node.get_closest_marker("default_cassette")
    if marker is not None:
        if not marker.args:
            raise pytest.UsageError("pass the cassette name to @pytest.mark.default_cassette('name')")
        return str(marker.args[0])
    return names.default_cassette_name(request.cls.__name__ if request.cls else None, request.node.name)


@pytest.fixture
def vcr_cassette_name(default_cassette_name: str) -> str:
    """pytest-vcr's name for the cassette name; overriding either one names the cassette."""
    return default_cassette_name


@pytest.fixture(autouse=True)
def vcr(
    request: pytest.FixtureRequest,
    vcr_markers: list[pytest.Mark],
    vcr_cassette_dir: str,
    record_mode: str,
    disable_recording: bool,
    pytestconfig: pytest.Config,
) -> Iterator[Any]:
    """The test's VCR.py cassette (None without a vcr marker): inspect ``play_count``, ``requests``..."""
    if disable_recording or not vcr_markers:
        yield None
        return
    merged = vcr_options.merge_kwargs(request.getfixturevalue("vcr_config"), [m.kwargs for m in vcr_markers])
    _warn_once(pytestconfig, vcr_options.config_warnings(merged))
    try:
        mode_name = vcr_options.record_mode(record_mode, merged)
    except ConfigError as error:
        raise pytest.UsageError(f"{request.node.nodeid}: {error}") from None
    extras = tuple(names.extra_cassette_path(str(a), vcr_cassette_dir) for m in vcr_markers for a in m.args)
    vcr = vcr_options.make_vcr(vcr_cassette_dir, mode_name, extras, merged)
    pytestconfig.hook.pytest_recording_configure(config=pytestconfig, vcr=vcr)
    name = names.shortened(request.getfixturevalue("vcr_cassette_name"), merged)
    try:
        player = vcr_options.open_cassette(vcr, name, merged, extras)
    except ConfigError as error:
        raise pytest.UsageError(f"{request.node.nodeid}: {error}") from None
    config = _recording_config(request, player.path, mode_name, merged, extras)
    guard = _guard(request, config, merged)
    with core.recording(request, config, guard, player):
        yield player.cassette
    if config.mode is Mode.REWRITE and core.test_passed(request.node) and player.path.is_file():
        player.path.unlink()  # replaced by the native recordings this run wrote beside it


def _warn_once(config: pytest.Config, lines: list[str]) -> None:
    warned = config.stash[warned_key]
    for line in lines:
        if line not in warned:
            warned.add(line)
            warnings.warn(RecordingWarning(line), stacklevel=3)


def _recording_config(
    request: pytest.FixtureRequest,
    cassette: Path,
    mode_name: str,
    merged: dict[str, Any],
    extras: tuple[Path, ...],
) -> RecordingConfig:
    """The native side of the test: recordings beside the cassette, scoped by its name."""
    folder, scope = native_folder(cassette)
    options = request.config.stash[core.options_key]
    recorded = cassette.is_file() or any((folder / scope_folder(scope)).glob("*.json"))
    config = resolve(
        options=options,
        marker=Settings(mode=vcr_options.to_mode(mode_name, recorded=recorded), name=scope),
        fixture=Settings(),
        nodeid=request.node.nodeid,
        test_dir=Path(request.node.path).parent,
    )
    return dataclasses.replace(
        config,
        recordings_dir=folder,
        record_on_failure=config.record_on_failure and bool(merged.get("record_on_exception", True)),
        extra_scopes=tuple(native_folder(path) for path in extras),
    )


def _guard(request: pytest.FixtureRequest, config: RecordingConfig, merged: dict[str, Any]) -> Guard:
    """pytest-recording blocks a vcr-marked test only under --block-network or the block_network marker,
    and only when it replays; otherwise its connections are watched for the summary."""
    state = request.config.stash[core.state_key]
    hosts = [*(request.getfixturevalue("allowed_hosts") or ()), *merged.get("ignore_hosts", ())]
    if merged.get("ignore_localhost"):
        hosts += LOOPBACK_NAMES
    allowed = state.allowed_hosts | resolve_hosts(str(host) for host in hosts)
    if config.mode is Mode.REPLAY and blocks(request):
        return replay_guard(allowed, request.node.nodeid)
    return network_guard(allowed, request.node.nodeid, blocking=False)


def blocks(request: pytest.FixtureRequest) -> bool:
    """--block-network, the block_network marker or --llm-block-network."""
    options = request.config.stash[core.options_key]
    return options.block_network or blocks_unmarked(request)


def blocks_unmarked(request: pytest.FixtureRequest) -> bool:
    """pytest-recording's own blocking: --block-network or the block_network marker."""
    marker = request.node.get_closest_marker("block_network") is not None
    return marker or bool(request.config.option.block_network)
