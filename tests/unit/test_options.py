"""The run's options: every source read once, every bad value refused with where it came from."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_llmrec.errors import ConfigError
from pytest_llmrec.modes import Mode
from pytest_llmrec.options import Options, read_options

HERE = Path("/work/project")
INI = Path("/work/project/config")


def options(cli=None, ini=None, env=None) -> Options:
    return read_options(cli or {}, ini or {}, env or {}, invocation_dir=HERE, ini_dir=INI)


def test_nothing_given_means_the_defaults():
    assert options() == Options()


def test_the_command_line_beats_the_environment_for_the_mode():
    assert options(env={"LLMREC_RECORD_MODE": "all"}).cli_mode is Mode.REWRITE
    assert options({"llm_record": Mode.LIVE}, env={"LLMREC_RECORD_MODE": "all"}).cli_mode is Mode.LIVE
    assert options(ini={"llm_record_mode": "once"}).ini_mode is Mode.RECORD_MISSING


def test_paths_are_relative_to_where_they_were_given():
    read = options(
        {"llm_recordings_dir": "rec", "llm_report": "out/report.json"}, {"llm_recordings_dir": "ini-rec"}
    )
    assert read.cli_recordings_dir == HERE / "rec" and read.report == HERE / "out/report.json"
    assert read.ini_recordings_dir == INI / "ini-rec"


def test_hosts_from_the_command_line_and_the_ini_file_add_up_once_each():
    read = options({"llm_allow_hosts": "db, localhost,"}, {"llm_allow_hosts": ["localhost", "cache"]})
    assert read.allow_hosts == ("db", "localhost", "cache")


@pytest.mark.parametrize(
    ("ini", "env", "message"),
    [
        (
            {"llm_unused": "wran"},
            {},
            "ini option llm_unused must be one of warn, fail, prune, not 'wran' (did you mean 'warn'?)",
        ),
        (
            {"llm_record_on_failure": "sometimes"},
            {},
            "ini option llm_record_on_failure must be one of yes, no, not 'sometimes'",
        ),
        ({"llm_record_mode": "replya"}, {}, "unknown recording mode 'replya' in ini option llm_record_mode"),
        (
            {},
            {"LLMREC_RECORD_MODE": "x"},
            "unknown recording mode 'x' in environment variable LLMREC_RECORD_MODE",
        ),
        ({"llm_scrub_paths": ["a..b"]}, {}, "ini option llm_scrub_paths: cannot parse JSON path 'a..b'"),
    ],
)
def test_a_bad_value_names_itself_its_source_and_the_valid_ones(ini, env, message):
    with pytest.raises(ConfigError) as raised:
        options(ini=ini, env=env)
    assert message in str(raised.value)


def test_a_misspelt_mode_suggests_the_closest():
    with pytest.raises(ConfigError, match=r"\(did you mean 'replay'\?\)"):
        options(ini={"llm_record_mode": "replya"})


def test_guard_and_strictness_come_from_the_command_line_or_the_ini_file():
    assert options().block_network is False and options().strict is False
    assert options({"llm_block_network": True}).block_network is True
    assert options(ini={"llm_block_network": True, "llm_strict": True}).strict is True


def test_scrub_names_are_read_without_regard_to_case():
    read = options(
        ini={"llm_scrub_headers": ["X-Tenant-Token", "x-tenant-token"], "llm_scrub_fields": ["PIN"]}
    )
    assert read.scrub_headers == ("x-tenant-token",) and read.scrub_fields == ("pin",)
