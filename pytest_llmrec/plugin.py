"""pytest glue: options, the ``llm_recording`` marker, fixtures and the terminal summary.

The only module that imports pytest. It reads the run's options once (``pytest_configure``),
reads every marker at collection, resolves each test's configuration once when its fixture
runs, and hands the resulting ``Tape`` to the interception layer for the test's duration.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from pytest_llmrec import failures, last_run, review
from pytest_llmrec.config import (
    MARKER_NAME,
    RecordingConfig,
    Settings,
    fixture_settings,
    marker_settings,
    resolve,
)
from pytest_llmrec.dropin.detect import other_recorder
from pytest_llmrec.errors import ConfigError, LLMRecordingError
from pytest_llmrec.intercept import audit
from pytest_llmrec.intercept.guard import Guard, guarding, network_guard, replay_guard, resolve_hosts
from pytest_llmrec.modes import Mode
from pytest_llmrec.options import CLI_OPTIONS, INI_OPTIONS, Options, read_options
from pytest_llmrec.pricing.meter import Meter, SharedSpend
from pytest_llmrec.pricing.table import packaged
from pytest_llmrec.recorder import LLMRecorder
from pytest_llmrec.recordings_folders import holds_only_recordings
from pytest_llmrec.session import SessionState
from pytest_llmrec.summary import summary_lines
from pytest_llmrec.tape import Tape
from pytest_llmrec.unused import narrowing, stop_reason

PLACEHOLDER_KEYS = ("OPENAI_API_KEY", "AZURE_OPENAI_API_KEY", "ANTHROPIC_API_KEY")
PLACEHOLDER_KEY = "sk-llmrec-replay-needs-no-key"

DROPIN = "llmrec-dropin"  # the plugin serving pytest-recording's names
options_key = pytest.StashKey[Options]()
state_key = pytest.StashKey[SessionState]()
call_failed_key = pytest.StashKey[bool]()
call_ran_key = pytest.StashKey[bool]()
tape_key = pytest.StashKey[Tape]()
spend_folder_key = pytest.StashKey[Path]()  # under pytest-xdist with a budget: where workers share spend
SPEND_INPUT = "llmrec_spend_folder"


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    if other_recorder(pluginmanager) is None:  # else pytest-recording or pytest-vcr owns those names
        from pytest_llmrec.dropin import plugin as dropin

        pluginmanager.register(dropin, DROPIN)
    group = parser.getgroup("llmrec", "record and replay LLM traffic (pytest-llmrec)")
    for flag, spec in CLI_OPTIONS.items():
        group.addoption(flag, default=None, **spec)
    for name, (help_text, kind, default) in INI_OPTIONS.items():
        parser.addini(name, help_text, type=kind, default=default)  # type: ignore[arg-type]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER_NAME}(name=None, mode=None, ignore=(), match_host=False, recordings_dir=None, "
        "shared_dirs=(), scrub=()): "
        "record and replay this test's LLM traffic (pytest-llmrec).",
    )
    try:
        options = read_options(
            {name: value for name, value in vars(config.option).items() if name.startswith("llm_")},
            {name: config.getini(name) for name in INI_OPTIONS},
            os.environ,
            invocation_dir=config.invocation_params.dir,
            ini_dir=config.inipath.parent if config.inipath else config.rootpath,
        )
    except ConfigError as error:
        raise pytest.UsageError(str(error)) from None
    config.stash[options_key] = options
    state = SessionState(allowed_hosts=resolve_hosts(options.allow_hosts), meter=_meter(config, options))
    state.usage.narrowed = _narrowing(config)
    state.changes = [] if options.review is not None else None
    config.stash[state_key] = state
    audit.install()  # once per process: a guard can see every connect from then on


def _meter(config: pytest.Config, options: Options) -> Meter:
    """The run's prices and budget; a pytest-xdist worker shares its spend through the controller's folder."""
    try:
        table = packaged().with_overrides(options.prices)
    except ConfigError as error:
        raise pytest.UsageError(str(error)) from None
    folder = getattr(config, "workerinput", {}).get(SPEND_INPUT)
    worker = getattr(config, "workerinput", {}).get("workerid", "main")
    shared = SharedSpend(Path(folder), worker) if folder and options.budget is not None else None
    return Meter(table, options.budget, shared)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist: under a budget, give each worker the run's folder for sharing what it spent."""
    config = node.config
    if config.stash[options_key].budget is None:
        return
    if spend_folder_key not in config.stash:
        config.stash[spend_folder_key] = Path(tempfile.mkdtemp(prefix="llmrec-spend-"))
    node.workerinput[SPEND_INPUT] = str(config.stash[spend_folder_key])


def _narrowing(config: pytest.Config) -> str | None:
    """What keeps this run from collecting the whole suite (see unused.narrowing)."""
    here, testpaths = config.invocation_params.dir, config.getini("testpaths")
    roots = [path for pattern in testpaths for path in config.rootpath.glob(pattern)] or [config.rootpath]
    args: list[str] = []
    if config.args_source is pytest.Config.ArgsSource.ARGS:
        args = list(config.args)
    elif config.args_source is pytest.Config.ArgsSource.INVOCATION_DIR and here != config.rootpath:
        args = [str(here)]  # run from a folder below the project's: only that folder is collected
    flags = [
        flag
        for flag, on in (
            ("--ignore", config.getoption("ignore", None)),
            ("--ignore-glob", config.getoption("ignore_glob", None)),
            ("--lf", config.getoption("lf", False)),
        )
        if on
    ]
    return narrowing(args, here, roots, flags)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Keep recordings folders out of the collection walk (see recordings_folders)."""
    options = config.stash.get(options_key, None)
    if options is None:
        return None
    configured = [d for d in (options.cli_recordings_dir, options.ini_recordings_dir) if d is not None]
    return holds_only_recordings(collection_path, [*configured, *options.shared_dirs]) or None


def pytest_report_header(config: pytest.Config) -> str | None:
    """Said once: another recorder serves the vcr names, and pytest-llmrec leaves them to it."""
    other = other_recorder(config.pluginmanager)
    if other is None:
        return None
    return f"llmrec: {other} is loaded and handles @pytest.mark.vcr; pytest-llmrec serves llm_recording only"


def _records(item: pytest.Item) -> bool:
    """Whether a test records: it has the marker or asks for the llm_recorder fixture, or it is
    vcr-marked and pytest-llmrec serves pytest-recording's names."""
    fixtures = getattr(item, "fixturenames", ())
    if item.get_closest_marker(MARKER_NAME) is not None or "llm_recorder" in fixtures:
        return True
    return _vcr_marked(item)


def _vcr_marked(item: pytest.Item) -> bool:
    config = item.config
    if item.get_closest_marker("vcr") is None or not config.pluginmanager.has_plugin(DROPIN):
        return False
    return not (config.getoption("disable_recording") or config.getoption("disable_vcr"))


@pytest.hookimpl(tryfirst=True)  # before -k and -m deselect: a scope counts all of its tests
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Check every marker before any test runs, so a typo stops the run instead of one test."""
    state = config.stash[state_key]
    for item in items:
        try:
            _marker(item)
        except ConfigError as error:
            raise pytest.UsageError(f"{item.nodeid}: {error}") from None
        if item.get_closest_marker(MARKER_NAME) is not None and _vcr_marked(item):
            raise pytest.UsageError(
                f"{item.nodeid}: marked both llm_recording and vcr; keep one (vcr replays its cassette "
                "and records native files beside it; llm_recording keeps them in recordings/)"
            )
        if _records(item):
            state.collected(item.nodeid)


def _marker(item: pytest.Item) -> Settings:
    """What the test's llm_recording markers say, farthest first so the closest wins."""
    return marker_settings(reversed([(m.args, m.kwargs) for m in item.iter_markers(MARKER_NAME)]))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    report = yield
    tape = item.stash.get(tape_key, None)
    if report.when == "call":
        if tape is not None:
            failures.fail_on_drift(tape, item.nodeid, report)
        item.stash[call_failed_key] = report.failed
        item.stash[call_ran_key] = not report.skipped
    broken = failures.recording_file_error(call.excinfo.value if call.excinfo is not None else None)
    if broken is not None:  # never listed as unused nor deleted: the summary names it instead
        item.config.stash[state_key].usage.broken[broken.path] = str(broken)
    if call.excinfo is not None and isinstance(call.excinfo.value, LLMRecordingError):
        report.longrepr = failures.short_failure(item, call.excinfo)
    elif call.excinfo is not None and report.failed and report.when in ("setup", "call") and tape is not None:
        failures.add_unreachable_context(tape, call.excinfo.value, report)
    return report


@pytest.fixture(scope="module")
def llm_recording_config() -> dict[str, Any]:
    """Override in a conftest or module to set mode, ignore, match_host or recordings_dir for many tests."""
    return {}


def _resolve(request: pytest.FixtureRequest, fixture: Any) -> RecordingConfig:
    """The test's configuration, resolved once, when its fixture value is known.

    Markers are read again here: a conftest hook or a fixture may have added one since collection.
    A bad value stops the run: an ``llm_recording_config`` in a conftest is shared by many tests,
    and each would fail with the same message.
    """
    item = request.node
    try:
        return resolve(
            options=request.config.stash[options_key],
            marker=_marker(item),
            fixture=fixture_settings(fixture),
            nodeid=item.nodeid,
            test_dir=item.path.parent,
        )
    except ConfigError as error:
        pytest.exit(f"pytest-llmrec: {item.nodeid}: {error}", returncode=pytest.ExitCode.USAGE_ERROR)


@pytest.fixture
def llm_recorder(
    request: pytest.FixtureRequest, llm_recording_config: dict[str, Any]
) -> Iterator[LLMRecorder]:
    """Record and replay this test's LLM traffic; the value logs what was replayed, sent and recorded."""
    if _vcr_marked(request.node):  # the vcr fixture's tape records this test: log that one
        request.getfixturevalue("vcr")
        yield request.node.stash[tape_key].recorder
        return
    config = _resolve(request, llm_recording_config)
    state = request.config.stash[state_key]
    guard = replay_guard(state.allowed_hosts, request.node.nodeid) if config.mode is Mode.REPLAY else None
    with recording(request, config, guard) as tape:
        yield tape.recorder


@contextlib.contextmanager
def recording(
    request: pytest.FixtureRequest, config: RecordingConfig, guard: Guard | None, cassette: Any = None
) -> Iterator[Tape]:
    """A test's tape, intercepting every client for the block; at the end its recordings are kept or
    dropped and the test fails if it caught a miss or a refused connection. ``guard``: the one the
    test runs under, if any. ``cassette``: a vcr-marked test's CassettePlayer."""
    item = request.node
    # Imported here, not at the top: VCR.py imports every installed HTTP client (about 0.3 s), which
    # a session whose tests record and replay nothing should not pay.
    from pytest_llmrec.intercept.patchers import intercepting

    state = request.config.stash[state_key]
    tape = Tape(
        config,
        item.nodeid,
        refreshed=state.refreshed,
        foreign=state.foreign,
        cassette=cassette,
        meter=state.meter,
        changes=state.changes,
        stamp=True,
    )
    item.stash[tape_key] = tape
    with contextlib.ExitStack() as stack:
        stack.enter_context(intercepting(tape))
        if config.mode is Mode.REPLAY:
            env = stack.enter_context(pytest.MonkeyPatch.context())
            for name in PLACEHOLDER_KEYS:  # SDKs refuse to start without a key; replay needs none
                if not os.environ.get(name):
                    env.setenv(name, PLACEHOLDER_KEY)
        if guard is not None:
            stack.enter_context(guarding(guard))
        yield tape
    passed = not item.stash.get(call_failed_key, True)
    try:
        tape.close(passed)
    finally:  # counted even when its recordings cannot be written: the summary covers every test
        state.add(tape.recorder, item.nodeid, passed and item.stash.get(call_ran_key, False))
    if tape.recorder.missed and passed:
        missed = "; ".join(f"{e.method} {e.url}" for e in tape.recorder.missed)
        pytest.fail(
            f"{len(tape.recorder.missed)} request(s) had no recording, but the test caught the "
            f"error and passed: {missed}. Record with: pytest --llm-record=record-missing {item.nodeid}",
            pytrace=False,
        )
    _fail_if_caught(item, guard)


def test_passed(item: pytest.Item) -> bool:
    """Whether the test's call phase ran and passed (known once the test body has run)."""
    return not item.stash.get(call_failed_key, True) and item.stash.get(call_ran_key, False)


def _fail_if_caught(item: pytest.Item, guard: Guard | None) -> None:
    """A refused connection fails the test even if the test caught it, or it happened in a thread or child."""
    if guard is not None and guard.refused and not item.stash.get(call_failed_key, True):
        pytest.fail(
            f"pytest-llmrec: {guard.situation}, and {len(guard.refused)} connection(s) were refused, but "
            f"the test passed (it caught the error, or a thread or child process met it): "
            f"{', '.join(dict.fromkeys(guard.refused))}",
            pytrace=False,
        )


@pytest.fixture(autouse=True)
def _llm_network_guard(request: pytest.FixtureRequest) -> Iterator[None]:
    """Tests that record nothing: guarded under --llm-block-network, else watched for the summary."""
    item = request.node
    if _records(item):  # replaying tests get the guard from llm_recorder; recording ones none
        yield
        return
    state, options = request.config.stash[state_key], request.config.stash[options_key]
    blocking, allowed = options.block_network, state.allowed_hosts
    if request.config.pluginmanager.has_plugin(DROPIN):  # pytest-recording's --block-network and marker
        from pytest_llmrec.dropin import plugin as dropin

        if dropin.blocks_unmarked(request):
            blocking = True
            allowed = allowed | resolve_hosts(request.getfixturevalue("allowed_hosts") or ())
    with guarding(network_guard(allowed, item.nodeid, blocking)) as guard:
        yield
    if guard.reached:
        state.totals.reached_network.append(item.nodeid)
    _fail_if_caught(item, guard)


@pytest.fixture(autouse=True)
def _llm_recording_marker(request: pytest.FixtureRequest) -> None:
    """Tests with the marker get recording without asking for the fixture."""
    if request.node.get_closest_marker(MARKER_NAME) is not None:
        request.getfixturevalue("llm_recorder")


def pytest_sessionfinish(session: pytest.Session) -> None:
    state = session.config.stash[state_key]
    state.usage.stopped = state.usage.stopped or stop_reason(
        session.shouldstop, session.shouldfail, session.exitstatus == pytest.ExitCode.INTERRUPTED
    )
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # a pytest-xdist worker: the controller decides and prints
        workeroutput["llmrec"] = state.worker_output()
        return
    if spend_folder_key in session.config.stash:
        shutil.rmtree(session.config.stash[spend_folder_key], ignore_errors=True)
    options = session.config.stash[options_key]
    state.decide(prune=options.unused == "prune")
    last_run.save(getattr(session.config, "cache", None), state.verdict.unused, state.usage.why_not_checked())
    if options.unused == "fail" and state.verdict.unused and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    if options.review is not None:
        mode = f"--llm-record={options.cli_mode.value}" if options.cli_mode else "each test's mode"
        review.write(options.review, state.changes or [], session.config.rootpath, mode)
    if options.report is not None:
        options.report.parent.mkdir(parents=True, exist_ok=True)
        options.report.write_text(json.dumps(state.report(), indent=2, sort_keys=True) + "\n")


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """pytest-xdist: add a finished worker's totals to the controller's."""
    output = getattr(node, "workeroutput", {}).get("llmrec")
    if output is not None:
        node.config.stash[state_key].merge(output)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    state = config.stash.get(state_key, None)
    if state is not None:
        for line in summary_lines(state, config.stash[options_key].unused):
            terminalreporter.write_line(line)
