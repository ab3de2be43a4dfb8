"""pytest glue: options, the ``llm_recording`` marker, fixtures and the terminal summary."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
from collections.abc import Generator, Iterator
from typing import Any

import pytest

from pytest_llmrec.config import (
    MARKER_NAME,
    Mode,
    RecordingConfig,
    SessionOptions,
    parse_mode,
    resolve,
)
from pytest_llmrec.errors import ConfigError, LLMRecordingError
from pytest_llmrec.intercept.guard import no_live_connections, resolve_hosts
from pytest_llmrec.recorder import LLMRecorder
from pytest_llmrec.session import SessionState
from pytest_llmrec.tape import Tape
from pytest_llmrec.unused import ACTIONS

ENV_MODE = "LLMREC_RECORD_MODE"
PLACEHOLDER_KEYS = ("OPENAI_API_KEY",)
PLACEHOLDER_KEY = "sk-llmrec-replay-needs-no-key"


session_options_key = pytest.StashKey[SessionOptions]()
state_key = pytest.StashKey[SessionState]()
call_failed_key = pytest.StashKey[bool]()
call_ran_key = pytest.StashKey[bool]()


def _mode_argument(value: str) -> Mode:
    try:
        return parse_mode(value, "--llm-record")
    except ConfigError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("llmrec", "record and replay LLM traffic (pytest-llmrec)")
    group.addoption(
        "--llm-record",
        dest="llm_record",
        metavar="MODE",
        type=_mode_argument,
        default=None,
        help=(
            "recording mode for tests marked llm_recording: replay (default: answer from recordings, "
            "never the network), record-missing (record what has no recording), rewrite (re-record "
            "everything), live (pass through, record nothing). Also accepts VCR.py's and llama-stack's "
            f"names. Overrides markers; environment: {ENV_MODE}."
        ),
    )
    group.addoption(
        "--llm-recordings-dir",
        dest="llm_recordings_dir",
        metavar="PATH",
        default=None,
        help="directory of recordings for every test (default: a recordings/ folder beside each test file).",
    )
    group.addoption(
        "--llm-report",
        dest="llm_report",
        metavar="PATH",
        default=None,
        help="write the run's totals (replayed, sent, recorded, missed, tokens, files written) as JSON.",
    )
    group.addoption(
        "--llm-unused",
        dest="llm_unused",
        choices=ACTIONS,
        default=None,
        help="what to do with recordings no test used, once a run exercised their whole directory: "
        "warn (default), fail, or prune (delete them). Ini: llm_unused.",
    )
    group.addoption(
        "--llm-allow-hosts",
        dest="llm_allow_hosts",
        metavar="HOSTS",
        default=None,
        help="comma-separated hosts that replaying tests may still connect to (default: none, "
        "loopback included: a local Ollama is a provider too).",
    )
    group.addoption(
        "--llm-record-on-failure",
        dest="llm_record_on_failure",
        choices=("yes", "no"),
        default=None,
        help="save the recordings of a test that failed (default: yes; ini llm_record_on_failure).",
    )
    parser.addini("llm_record_mode", "default recording mode (see --llm-record)", default=None)
    parser.addini(
        "llm_scrub_paths",
        "JSON paths of request and response bodies whose values are replaced by <scrubbed> on disk",
        type="args",
        default=[],
    )
    parser.addini("llm_unused", "recordings no test used: warn, fail or prune", default="warn")
    parser.addini("llm_record_on_failure", "save the recordings of failed tests: yes or no", default="yes")
    parser.addini(
        "llm_allow_hosts",
        "hosts replaying tests may connect to (see --llm-allow-hosts)",
        type="args",
        default=[],
    )
    parser.addini("llm_recordings_dir", "recordings directory, relative to the ini file", default=None)
    parser.addini(
        "llm_shared_recordings_dirs",
        "directories of recordings every test may replay from after its own (never written), "
        "relative to the ini file",
        type="paths",
        default=[],
    )
    parser.addini(
        "llm_scrub_env_vars",
        "more environment variables whose values are scrubbed from recordings (OPENAI_API_KEY, "
        "ANTHROPIC_API_KEY, AWS_SECRET_ACCESS_KEY and other known ones always are)",
        type="args",
        default=[],
    )


def _session_options(config: pytest.Config) -> SessionOptions:
    cli_mode = config.getoption("llm_record")
    env_mode = os.environ.get(ENV_MODE)
    if cli_mode is None and env_mode:
        cli_mode = parse_mode(env_mode, f"environment variable {ENV_MODE}")
    ini_mode = config.getini("llm_record_mode")
    base = config.inipath.parent if config.inipath else config.rootpath
    cli_dir = config.getoption("llm_recordings_dir")
    ini_dir = config.getini("llm_recordings_dir")
    return SessionOptions(
        cli_mode=cli_mode,
        cli_recordings_dir=config.invocation_params.dir / cli_dir if cli_dir else None,
        ini_mode=parse_mode(ini_mode, "ini option llm_record_mode") if ini_mode else None,
        ini_recordings_dir=base / ini_dir if ini_dir else None,
        ini_shared_dirs=tuple(config.getini("llm_shared_recordings_dirs")),
        ini_scrub_env_vars=tuple(config.getini("llm_scrub_env_vars")),
        ini_scrub_paths=tuple(config.getini("llm_scrub_paths")),
    )


def _record_on_failure(config: pytest.Config) -> bool:
    value = config.getoption("llm_record_on_failure") or str(config.getini("llm_record_on_failure"))
    if value not in ("yes", "no"):
        raise pytest.UsageError(f"llm_record_on_failure must be yes or no, not {value!r}")
    return value == "yes"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER_NAME}(name=None, mode=None, ignore=(), match_host=False, recordings_dir=None, "
        "shared_dirs=(), scrub=()): "
        "record and replay this test's LLM traffic (pytest-llmrec).",
    )
    try:
        config.stash[session_options_key] = _session_options(config)
    except ConfigError as error:
        raise pytest.UsageError(f"{error}") from None
    hosts = [h for h in (config.getoption("llm_allow_hosts") or "").split(",") if h.strip()]
    config.stash[state_key] = SessionState(
        allowed_hosts=resolve_hosts([h.strip() for h in hosts] + config.getini("llm_allow_hosts")),
        record_on_failure=_record_on_failure(config),
    )


def _marker_kwargs(item: pytest.Item) -> dict[str, Any]:
    """Keyword arguments of every llm_recording marker on the item; the closest one wins."""
    merged: dict[str, Any] = {}
    for marker in reversed(list(item.iter_markers(MARKER_NAME))):
        if marker.args:
            raise ConfigError(
                f"@pytest.mark.{MARKER_NAME} takes keyword arguments only (name=..., mode=...), "
                f"got {marker.args!r}"
            )
        merged.update(marker.kwargs)
    return merged


@pytest.hookimpl(tryfirst=True)  # before -k and -m deselect: a scope counts all of its tests
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Check every marker before any test runs, so a typo stops the run instead of one test."""
    state = config.stash[state_key]
    options = config.stash[session_options_key]
    for item in items:
        try:
            resolved = _resolve(item, options, {})
        except ConfigError as error:
            raise pytest.UsageError(f"{item.nodeid}: {error}") from None
        state.tests_per_scope[resolved.scope] += 1
        if item.get_closest_marker(MARKER_NAME) is not None:
            state.usage.tests[resolved.recordings_dir] += 1


def _resolve(item: pytest.Item, session: SessionOptions, fixture: dict[str, Any]) -> RecordingConfig:
    return resolve(
        session=session,
        marker=_marker_kwargs(item),
        fixture=fixture,
        default_scope=item.nodeid,
        test_dir=item.path.parent,
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    report = yield
    if report.when == "call":
        item.stash[call_failed_key] = report.failed
        item.stash[call_ran_key] = not report.skipped
    if call.excinfo is not None and isinstance(call.excinfo.value, LLMRecordingError):
        report.longrepr = _short_failure(item, call.excinfo)
    return report


def _short_failure(item: pytest.Item, excinfo: pytest.ExceptionInfo[BaseException]) -> str:
    """Our own message and the line of the test that made the request, without SDK and plugin frames."""
    lines = [f"{type(excinfo.value).__name__}: {excinfo.value}"]
    in_test = [entry for entry in excinfo.traceback if entry.path == item.path]
    if in_test:
        entry = in_test[-1]
        lines.append(
            f"  made at:         {item.path.name}:{entry.lineno + 1}: {str(entry.statement).strip()}"
        )
    return "\n".join(lines)


@pytest.fixture(scope="module")
def llm_recording_config() -> dict[str, Any]:
    """Override in a conftest or module to set mode, ignore, match_host or recordings_dir for many tests."""
    return {}


@pytest.fixture
def llm_recorder(
    request: pytest.FixtureRequest, llm_recording_config: dict[str, Any]
) -> Iterator[LLMRecorder]:
    """Record and replay this test's LLM traffic; the value logs what was replayed, sent and recorded."""
    item = request.node
    try:
        config = _resolve(item, request.config.stash[session_options_key], llm_recording_config)
    except ConfigError as error:
        raise pytest.UsageError(f"{item.nodeid}: {error}") from None
    # Imported here, not at the top: VCR.py imports every installed HTTP client (about 0.3 s), which
    # a session whose tests record and replay nothing should not pay.
    from pytest_llmrec.intercept.patchers import intercepting

    state = request.config.stash[state_key]
    config = dataclasses.replace(config, record_on_failure=state.record_on_failure)
    tape = Tape(config, item.nodeid, refreshed=state.refreshed, foreign=state.foreign)
    with contextlib.ExitStack() as stack:
        stack.enter_context(intercepting(tape))
        if config.mode is Mode.REPLAY:
            env = stack.enter_context(pytest.MonkeyPatch.context())
            for name in PLACEHOLDER_KEYS:  # SDKs refuse to start without a key; replay needs none
                if not os.environ.get(name):
                    env.setenv(name, PLACEHOLDER_KEY)
            stack.enter_context(no_live_connections(state.allowed_hosts, item.nodeid))
        yield tape.recorder
    passed = not item.stash.get(call_failed_key, True)
    tape.close(passed)
    state.add(tape.recorder, item.nodeid, passed, ran=item.stash.get(call_ran_key, False))
    if tape.recorder.missed and passed:
        missed = "; ".join(f"{e.method} {e.url}" for e in tape.recorder.missed)
        pytest.fail(
            f"{len(tape.recorder.missed)} request(s) had no recording, but the test caught the "
            f"error and passed: {missed}. Record with: pytest --llm-record=record-missing {item.nodeid}",
            pytrace=False,
        )


@pytest.fixture(autouse=True)
def _llm_recording_marker(request: pytest.FixtureRequest) -> None:
    """Tests with the marker get recording without asking for the fixture."""
    if request.node.get_closest_marker(MARKER_NAME) is not None:
        request.getfixturevalue("llm_recorder")


def pytest_sessionfinish(session: pytest.Session) -> None:
    state = session.config.stash[state_key]
    state.prune_rewritten_scopes()
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # a pytest-xdist worker: the controller prints the summary
        workeroutput["llmrec"] = state.totals()
        return
    _unused(session, state)
    report = session.config.getoption("llm_report")
    if report:
        path = session.config.invocation_params.dir / report
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(state.totals(), indent=2, sort_keys=True) + "\n")


def _unused(session: pytest.Session, state: SessionState) -> None:
    action = session.config.getoption("llm_unused") or str(session.config.getini("llm_unused"))
    if action not in ACTIONS:
        raise pytest.UsageError(f"llm_unused must be one of {', '.join(ACTIONS)}, not {action!r}")
    state.unused = [path for path in state.usage.unused() if path.exists()]
    if action == "prune":
        for path in state.unused:
            path.unlink()
        state.deleted += state.unused
    elif action == "fail" and state.unused and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """pytest-xdist: add a finished worker's totals to the controller's."""
    totals = getattr(node, "workeroutput", {}).get("llmrec")
    if totals is not None:
        node.config.stash[state_key].merge(totals)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    state = config.stash.get(state_key, None)
    if state is None or not (state.replayed or state.sent):
        return
    line = (
        f"llmrec: {state.replayed} replayed, {state.sent} sent live, {state.recorded} recorded, "
        f"{len(state.written)} file(s) written"
    )
    if state.deleted:
        line += f", {len(state.deleted)} stale file(s) deleted"
    if state.discarded:
        line += f", {state.discarded} recording(s) of failed tests not saved"
    line += f"; tokens: {state.tokens_replayed} replayed, {state.tokens_live} spent live"
    terminalreporter.write_line(line)
    action = config.getoption("llm_unused") or str(config.getini("llm_unused"))
    if state.unused and action != "prune":
        terminalreporter.write_line(
            f"llmrec: {len(state.unused)} recording(s) no test used (--llm-unused=prune deletes them):"
        )
        for path in state.unused[:20]:
            terminalreporter.write_line(f"  {path}")
        if len(state.unused) > 20:
            terminalreporter.write_line(f"  ... and {len(state.unused) - 20} more")
