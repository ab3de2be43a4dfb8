"""The run's options: command line, environment and ini file, read and validated once, before any test.

``read_options`` turns what pytest parsed into one ``Options`` value, or raises ConfigError
naming the bad value, where it came from and the valid ones; the plugin makes that a
usage error in ``pytest_configure``. The options are declared here (``CLI_OPTIONS``,
``INI_OPTIONS``), beside the code that reads them, so each name is written once; the
plugin registers them.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_llmrec.errors import ConfigError, did_you_mean
from pytest_llmrec.jsonpath import JsonPath
from pytest_llmrec.modes import Mode, parse_mode
from pytest_llmrec.pricing.table import Price, parse_overrides
from pytest_llmrec.stream_timing import AT_ONCE, StreamTiming, parse_stream_timing

ENV_MODE = "LLMREC_RECORD_MODE"
UNUSED_ACTIONS = ("warn", "fail", "prune")
YES_NO = ("yes", "no")
# What --llm-verify-allow may let pass, and the kind of drift (drift.py) each name stands for.
VERIFY_ALLOWABLE = {"new-fields": "new field"}


def _mode_argument(value: str) -> Mode:
    try:
        return parse_mode(value, "--llm-record")
    except ConfigError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


# flag: the keyword arguments of its addoption (every default is None: "not given")
CLI_OPTIONS: dict[str, dict[str, Any]] = {
    "--llm-record": {
        "dest": "llm_record",
        "metavar": "MODE",
        "type": _mode_argument,
        "help": "recording mode for tests marked llm_recording: replay (default: answer from recordings, "
        "never the network), record-missing (record what has no recording), rewrite (re-record "
        "everything), live (pass through, record nothing), verify (replay, and also send each "
        "request live to compare the answer's shape with its recording; writes nothing). Also "
        f"accepts VCR.py's and llama-stack's names. Overrides markers; environment: {ENV_MODE}.",
    },
    "--llm-recordings-dir": {
        "dest": "llm_recordings_dir",
        "metavar": "PATH",
        "help": "directory of recordings for every test (default: a recordings/ folder beside each "
        "test file).",
    },
    "--llm-report": {
        "dest": "llm_report",
        "metavar": "PATH",
        "help": "write the run's totals (replayed, sent, recorded, missed, tokens, files written) as JSON.",
    },
    "--llm-review": {
        "dest": "llm_review",
        "metavar": "PATH.md",
        "help": "after recording (rewrite, record-missing), write a Markdown review of every recording "
        "that changed, for a pull request: new, deleted, only usage, answer text, shape, model.",
    },
    "--llm-unused": {
        "dest": "llm_unused",
        "choices": UNUSED_ACTIONS,
        "help": "what to do with recordings no test used, after a whole run in which every test reading "
        "their folder passed: warn (default), fail, or prune (delete them). Ini: llm_unused.",
    },
    "--llm-allow-hosts": {
        "dest": "llm_allow_hosts",
        "metavar": "HOSTS",
        "help": "comma-separated hosts that guarded tests (replaying ones; with --llm-block-network all "
        "but recording ones) and their child processes may still connect to (default: none, loopback "
        "included: a local Ollama is a provider too).",
    },
    "--llm-block-network": {
        "dest": "llm_block_network",
        "action": "store_true",
        "help": "guard every test, marked or not, as replaying tests are, except tests that record "
        "(record-missing, rewrite, live): refuse its connections except to --llm-allow-hosts, and give "
        "its child processes a proxy that refuses (ini llm_block_network). Without it only replaying "
        "tests are guarded, and the summary counts unmarked tests that tried to reach past loopback.",
    },
    "--llm-strict": {
        "dest": "llm_strict",
        "action": "store_true",
        "help": "fail a replay whose recorded body the installed SDK's declared types reject in any "
        "field (default: warn where the SDK itself would trip, a missing field for openai and "
        "anthropic, any mismatch for SDKs that validate; the recorded JSON is replayed; ini llm_strict).",
    },
    "--llm-verify-allow": {
        "dest": "llm_verify_allow",
        "metavar": "KINDS",
        "help": "drift that does not fail a test under --llm-record=verify, comma-separated: new-fields "
        "(the provider added fields; they are still listed). Default: none; ini llm_verify_allow.",
    },
    "--llm-record-on-failure": {
        "dest": "llm_record_on_failure",
        "choices": YES_NO,
        "help": "save the recordings of a test that failed (default: yes; ini llm_record_on_failure).",
    },
    "--llm-budget": {
        "dest": "llm_budget",
        "metavar": "DOLLARS",
        "help": "once the run's live spend (priced by the model that answered) passes DOLLARS, refuse "
        "every further live request with BudgetExceededError, unsent (ini llm_budget).",
    },
    "--llm-stream-timing": {
        "dest": "llm_stream_timing",
        "metavar": "TIMING",
        "help": "how replayed streams (SSE, NDJSON) are sent: instant (default: all at once), recorded "
        "(each event at the offset recorded live), or xN: N times as fast as recorded (x2 halves each "
        "delay, x0.5 doubles it). Ini: llm_stream_timing.",
    },
}
# name: (help, pytest's ini type, default)
INI_OPTIONS: dict[str, tuple[str, str | None, Any]] = {
    "llm_record_mode": ("default recording mode (see --llm-record)", None, None),
    "llm_recordings_dir": ("recordings directory, relative to the ini file", None, None),
    "llm_shared_recordings_dirs": (
        "directories of recordings every test may replay from after its own (never written), "
        "relative to the ini file",
        "paths",
        [],
    ),
    "llm_scrub_env_vars": (
        "more environment variables whose values are scrubbed from recordings (OPENAI_API_KEY, "
        "ANTHROPIC_API_KEY, AWS_SECRET_ACCESS_KEY and other known ones always are)",
        "args",
        [],
    ),
    "llm_scrub_paths": (
        "JSON paths of request and response bodies whose values are replaced by <scrubbed> on disk",
        "args",
        [],
    ),
    "llm_scrub_headers": (
        "more request header names whose values are scrubbed wherever they appear in a recording "
        "(Authorization, api-key, x-api-key, Cookie and other credential headers always are)",
        "args",
        [],
    ),
    "llm_scrub_query_params": (
        "more URL query parameter names that carry credentials: dropped from recorded URLs and "
        "request keys, their values scrubbed everywhere",
        "args",
        [],
    ),
    "llm_scrub_fields": (
        "more JSON body field names whose values are scrubbed at any depth (api_key, password, "
        "client_secret, token and other credential fields always are)",
        "args",
        [],
    ),
    "llm_unused": ("recordings no test used: warn, fail or prune", None, "warn"),
    "llm_record_on_failure": ("save the recordings of failed tests: yes or no", None, "yes"),
    "llm_allow_hosts": ("hosts guarded tests may connect to (see --llm-allow-hosts)", "args", []),
    "llm_block_network": ("guard every test but recording ones (see --llm-block-network)", "bool", False),
    "llm_strict": ("fail replays the installed SDK's types reject (see --llm-strict)", "bool", False),
    "llm_verify_allow": ("drift verify lets pass (see --llm-verify-allow)", "args", []),
    "llm_budget": ("dollars of live spend past which live requests fail (see --llm-budget)", None, None),
    "llm_prices": (
        "dollar prices per million tokens, one model a line: MODEL = INPUT OUTPUT [CACHED_INPUT]; "
        "they replace or add to the packaged table",
        "linelist",
        [],
    ),
    "llm_stream_timing": (
        "replayed streams' pace: instant, recorded or xN (see --llm-stream-timing)",
        None,
        None,
    ),
}


@dataclass(frozen=True)
class Options:
    """What the command line, the environment and the ini file say for the whole run."""

    cli_mode: Mode | None = None  # --llm-record, else LLMREC_RECORD_MODE: beats every marker
    ini_mode: Mode | None = None
    cli_recordings_dir: Path | None = None
    ini_recordings_dir: Path | None = None
    shared_dirs: tuple[Path, ...] = ()
    scrub_env_vars: tuple[str, ...] = ()
    scrub_paths: tuple[JsonPath, ...] = ()
    scrub_headers: tuple[str, ...] = ()
    scrub_query_params: tuple[str, ...] = ()
    scrub_fields: tuple[str, ...] = ()
    unused: str = "warn"
    record_on_failure: bool = True
    allow_hosts: tuple[str, ...] = ()
    block_network: bool = False  # guard every test, not only replaying ones
    strict: bool = False  # an SDK type mismatch in a replayed body fails instead of warning
    verify_allow: tuple[str, ...] = ()  # names in VERIFY_ALLOWABLE: drift that does not fail under verify
    report: Path | None = None
    budget: float | None = None  # dollars of live spend past which live requests fail
    prices: Mapping[str, Price] = field(default_factory=dict)  # the ini's llm_prices, by model
    review: Path | None = None  # --llm-review: the Markdown report of what recording changed
    stream_timing: StreamTiming = AT_ONCE  # instant: replayed streams are not paced


def read_options(
    cli: Mapping[str, Any],
    ini: Mapping[str, Any],
    env: Mapping[str, str],
    *,
    invocation_dir: Path,
    ini_dir: Path,
) -> Options:
    """Validate every value. ``cli`` is keyed by the options' dests (``llm_record``, ...), ``ini`` by
    the names in INI_OPTIONS; command-line paths are relative to ``invocation_dir``, ini ones to
    ``ini_dir``."""
    cli_mode = cli.get("llm_record")
    if cli_mode is None and env.get(ENV_MODE):
        cli_mode = env[ENV_MODE]
    if cli_mode is not None:
        where = "--llm-record" if cli.get("llm_record") is not None else f"environment variable {ENV_MODE}"
        cli_mode = parse_mode(cli_mode, where)
    ini_mode = ini.get("llm_record_mode")
    cli_dir, ini_dir_value = cli.get("llm_recordings_dir"), ini.get("llm_recordings_dir")
    report = cli.get("llm_report")
    return Options(
        cli_mode=cli_mode,
        ini_mode=parse_mode(ini_mode, "ini option llm_record_mode") if ini_mode else None,
        cli_recordings_dir=invocation_dir / cli_dir if cli_dir else None,
        ini_recordings_dir=ini_dir / ini_dir_value if ini_dir_value else None,
        shared_dirs=tuple(Path(p) for p in ini.get("llm_shared_recordings_dirs") or ()),
        scrub_env_vars=tuple(ini.get("llm_scrub_env_vars") or ()),
        scrub_paths=_json_paths(ini.get("llm_scrub_paths") or (), "ini option llm_scrub_paths"),
        scrub_headers=_names(ini.get("llm_scrub_headers")),
        scrub_query_params=_names(ini.get("llm_scrub_query_params")),
        scrub_fields=_names(ini.get("llm_scrub_fields")),
        unused=_choice(
            cli.get("llm_unused") or ini.get("llm_unused") or "warn", UNUSED_ACTIONS, "ini option llm_unused"
        ),
        record_on_failure=_choice(
            cli.get("llm_record_on_failure") or ini.get("llm_record_on_failure") or "yes",
            YES_NO,
            "ini option llm_record_on_failure",
        )
        == "yes",
        allow_hosts=_listed(str(cli.get("llm_allow_hosts") or "").split(","), ini.get("llm_allow_hosts")),
        block_network=bool(cli.get("llm_block_network") or ini.get("llm_block_network")),
        strict=bool(cli.get("llm_strict") or ini.get("llm_strict")),
        verify_allow=_allowed_drift(
            _listed(str(cli.get("llm_verify_allow") or "").split(","), ini.get("llm_verify_allow"))
        ),
        report=invocation_dir / report if report else None,
        budget=_budget(cli.get("llm_budget"), ini.get("llm_budget")),
        prices=parse_overrides(ini.get("llm_prices") or ()),
        review=invocation_dir / cli["llm_review"] if cli.get("llm_review") else None,
        stream_timing=_stream_timing(cli.get("llm_stream_timing"), ini.get("llm_stream_timing")),
    )


def _stream_timing(cli: Any, ini: Any) -> StreamTiming:
    if cli is not None:
        return parse_stream_timing(cli, "--llm-stream-timing")
    return parse_stream_timing(ini, "ini option llm_stream_timing") if ini else AT_ONCE


def _budget(cli: str | None, ini: str | None) -> float | None:
    """Dollars, from --llm-budget or else the ini's llm_budget; ``$5`` and ``5`` alike."""
    value, where = (cli, "--llm-budget") if cli is not None else (ini, "ini option llm_budget")
    if value is None or not str(value).strip():
        return None
    try:
        dollars = float(str(value).strip().removeprefix("$"))
    except ValueError:
        dollars = -1.0
    if not (dollars >= 0 and dollars != float("inf")):
        raise ConfigError(f"{where} must be a number of dollars (0 or more), such as 5 or 0.5, not {value!r}")
    return dollars


def _choice(value: Any, valid: tuple[str, ...], name: str) -> str:
    """A value from the command line (argparse checked it already) or the ini file."""
    text = str(value).strip().lower()
    if text not in valid:
        raise ConfigError(
            f"{name} must be one of {', '.join(valid)}, not {value!r}{did_you_mean(text, valid)}"
        )
    return text


def _json_paths(texts: Iterable[str], where: str) -> tuple[JsonPath, ...]:
    try:
        return tuple(JsonPath.parse(text) for text in texts)
    except ConfigError as error:
        raise ConfigError(f"{where}: {error}") from None


def _names(values: Iterable[str] | None) -> tuple[str, ...]:
    """Header, parameter or field names, compared without regard to case."""
    return tuple(dict.fromkeys(value.strip().lower() for value in values or () if value.strip()))


def _listed(*lists: Iterable[str] | None) -> tuple[str, ...]:
    """Comma-separated and ini-listed values, stripped, each once."""
    return tuple(dict.fromkeys(host.strip() for hosts in lists for host in hosts or () if host.strip()))


def _allowed_drift(names: Iterable[str]) -> tuple[str, ...]:
    """The kinds of drift ``--llm-verify-allow`` names, each checked against VERIFY_ALLOWABLE."""
    allowed = tuple(name.lower() for name in names)
    for name in allowed:
        if name not in VERIFY_ALLOWABLE:
            raise ConfigError(
                f"--llm-verify-allow / ini llm_verify_allow: unknown kind {name!r}; valid: "
                f"{', '.join(VERIFY_ALLOWABLE)}{did_you_mean(name, list(VERIFY_ALLOWABLE))}"
            )
    return allowed
