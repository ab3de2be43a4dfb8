from pathlib import Path

import pytest

from pytest_llmrec.config import fixture_settings, marker_settings, resolve
from pytest_llmrec.errors import ConfigError
from pytest_llmrec.modes import Mode, parse_mode
from pytest_llmrec.options import Options

TEST_DIR = Path("/project/tests")
NO_OPTIONS = Options()


def config(options=NO_OPTIONS, marker=None, fixture=None):
    return resolve(
        options=options,
        marker=marker_settings([((), marker or {})]),
        fixture=fixture_settings(fixture or {}),
        nodeid="tests/test_a.py::test_x",
        test_dir=TEST_DIR,
    )


@pytest.mark.parametrize(
    ("name", "mode"),
    [
        ("replay", Mode.REPLAY),
        ("none", Mode.REPLAY),
        ("record-missing", Mode.RECORD_MISSING),
        ("record_missing", Mode.RECORD_MISSING),
        ("once", Mode.RECORD_MISSING),
        ("new_episodes", Mode.RECORD_MISSING),
        ("record-if-missing", Mode.RECORD_MISSING),
        ("rewrite", Mode.REWRITE),
        ("all", Mode.REWRITE),
        ("record", Mode.REWRITE),
        ("live", Mode.LIVE),
        ("LIVE", Mode.LIVE),
    ],
)
def test_modes_and_aliases(name, mode):
    assert parse_mode(name, "test") is mode


def test_unknown_mode_lists_the_valid_ones():
    with pytest.raises(
        ConfigError,
        match=r"unknown recording mode 'replya' in --x; valid modes: replay, "
        r"record-missing, rewrite, live, verify \(aliases: none=replay",
    ):
        parse_mode("replya", "--x")


def test_precedence_cli_over_marker_over_fixture_over_ini_over_default():
    ini = Options(ini_mode=Mode.LIVE)
    cli = Options(cli_mode=Mode.REWRITE, ini_mode=Mode.LIVE)
    marker, fixture = {"mode": "record-missing"}, {"mode": "replay"}
    assert config().mode is Mode.REPLAY
    assert config(ini).mode is Mode.LIVE
    assert config(ini, fixture={"mode": "rewrite"}).mode is Mode.REWRITE
    assert config(ini, marker, fixture).mode is Mode.RECORD_MISSING
    assert config(cli, marker, fixture).mode is Mode.REWRITE


def test_recordings_dir_defaults_beside_the_test_file_and_follows_precedence():
    assert config().recordings_dir == TEST_DIR / "recordings"
    assert config(fixture={"recordings_dir": "fx"}).recordings_dir == TEST_DIR / "fx"
    assert (
        config(marker={"recordings_dir": "mk"}, fixture={"recordings_dir": "fx"}).recordings_dir
        == TEST_DIR / "mk"
    )
    cli = Options(cli_recordings_dir=Path("/cli"))
    assert config(cli, marker={"recordings_dir": "mk"}).recordings_dir == Path("/cli")


def test_scope_is_the_node_id_unless_named():
    assert config().scope == "tests/test_a.py::test_x"
    assert config(marker={"name": "shared"}).scope == "shared"


def test_ignore_is_additive_and_parsed():
    cfg = config(marker={"ignore": "metadata"}, fixture={"ignore": ["user", "metadata"]})
    assert [p.text for p in cfg.ignore] == ["user", "metadata"]


@pytest.mark.parametrize(
    ("marker", "fixture", "message"),
    [
        (
            {"nmae": "x"},
            {},
            r"unknown keyword 'nmae' in @pytest.mark.llm_recording \(did you mean 'name'\?\)",
        ),
        ({}, {"name": "x"}, r"unknown keyword 'name' in the llm_recording_config fixture"),
        ({"match_host": "yes"}, {}, r"'match_host' .* must be True or False"),
        ({"ignore": 3}, {}, r"'ignore' .* must be a string or a list of strings"),
        (
            {"ignore": "a..b"},
            {},
            r"'ignore' in @pytest.mark.llm_recording: cannot parse JSON path 'a..b' at character 3",
        ),
        ({"name": ""}, {}, r"'name' .* must be a non-empty string"),
        ({"mode": "sometimes"}, {}, r"unknown recording mode 'sometimes'"),
    ],
)
def test_invalid_configuration_is_a_clear_error(marker, fixture, message):
    with pytest.raises(ConfigError, match=message):
        config(marker=marker, fixture=fixture)


def test_the_closest_marker_wins_and_a_positional_argument_is_refused():
    farthest_first = [((), {"mode": "live", "name": "module"}), ((), {"mode": "rewrite"})]
    settings = marker_settings(farthest_first)
    assert (settings.mode, settings.name) == (Mode.REWRITE, "module")
    with pytest.raises(ConfigError, match=r"takes keyword arguments only .* got \('live',\)"):
        marker_settings([(("live",), {})])


def test_a_fixture_must_return_a_dict():
    with pytest.raises(ConfigError, match="the llm_recording_config fixture must return a dict, not list"):
        fixture_settings(["mode", "live"])


def test_scrub_paths_add_up_from_ini_fixture_and_marker():
    from pytest_llmrec.jsonpath import JsonPath

    options = Options(scrub_paths=(JsonPath.parse("user"),))
    cfg = config(options, marker={"scrub": "metadata.id"}, fixture={"scrub": ["user", "trace"]})
    assert [p.text for p in cfg.scrub] == ["user", "trace", "metadata.id"]
