"""vcr_config merged, checked and mapped onto pytest-llmrec's modes, as pytest-recording would read it."""

from __future__ import annotations

import pytest

from pytest_llmrec.dropin import vcr_options
from pytest_llmrec.errors import ConfigError
from pytest_llmrec.modes import Mode


def test_the_closest_marker_wins_over_farther_ones_and_the_config():
    config = {"match_on": ["method"], "filter_headers": ["authorization"]}
    merged = vcr_options.merge_kwargs(config, [{"match_on": ["body"]}, {"match_on": ["path"], "x": 1}])
    assert merged == {"match_on": ["body"], "filter_headers": ["authorization"], "x": 1}
    assert config == {"match_on": ["method"], "filter_headers": ["authorization"]}  # not mutated


def test_unknown_and_ineffective_keys_are_named():
    lines = vcr_options.config_warnings({"filter_header": [], "custom_patches": (), "match_on": []})
    assert lines == [
        "unknown vcr_config key 'filter_header' is ignored (did you mean 'filter_headers'?)",
        "vcr_config key 'custom_patches' has no effect under pytest-llmrec: "
        "pytest-llmrec intercepts every client VCR.py knows itself",
    ]


@pytest.mark.parametrize(
    ("fixture", "merged", "expected"),
    [("none", {}, "none"), ("all", {}, "all"), ("all", {"record_mode": "none"}, "none"), ("", {}, "none")],
)
def test_record_mode_precedence(fixture, merged, expected):
    assert vcr_options.record_mode(fixture, merged) == expected


def test_an_unknown_record_mode_suggests_one():
    with pytest.raises(ConfigError, match=r"unknown record_mode .new_episode.*did you mean .new_episodes."):
        vcr_options.record_mode("new_episode", {})


@pytest.mark.parametrize(
    ("mode", "recorded", "expected"),
    [
        ("none", False, Mode.REPLAY),
        ("once", True, Mode.REPLAY),
        ("once", False, Mode.RECORD_MISSING),
        ("new_episodes", True, Mode.RECORD_MISSING),
        ("all", True, Mode.REWRITE),
        ("rewrite", False, Mode.REWRITE),
    ],
)
def test_record_modes_map_onto_ours(mode, recorded, expected):
    assert vcr_options.to_mode(mode, recorded=recorded) is expected
