"""Cassette names as pytest-recording 0.14.1 derives them, so a suite's existing files are found."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from pytest_llmrec.dropin import names


@pytest.mark.parametrize(
    ("cls", "test", "expected"),
    [
        (None, "test_ask", "test_ask"),
        ("TestChat", "test_ask", "TestChat.test_ask"),
        (None, "test_ids[a/b:c]", "test_ids[a-b-c]"),
        (None, "test_x[<>?%*:|\"'\\]", "test_x[----------]"),
    ],
)
def test_default_names_replace_what_file_systems_forbid(cls, test, expected):
    assert names.default_cassette_name(cls, test) == expected


def test_a_name_within_the_limit_is_kept():
    limit = names.max_filename_length()
    name = "t" * (limit - len(".yaml"))
    assert names.shortened(name, {}) == name


@pytest.mark.parametrize(("config", "suffix"), [({}, ".yaml"), ({"serializer": "json"}, "json")])
def test_a_long_name_keeps_a_prefix_and_gains_its_md5(config, suffix):
    limit = names.max_filename_length()
    name = "test_" + "x" * limit
    digest = hashlib.md5(name.encode()).hexdigest()
    short = names.shortened(name, config)
    assert short == name[: limit - len(suffix) - 32 - 3] + "..." + digest
    assert len(short) + len(suffix) == limit


def test_extra_cassettes_are_relative_to_the_modules_folder(tmp_path):
    assert names.extra_cassette_path("shared.yaml", "/c/test_mod") == Path("/c/test_mod/shared.yaml")
    assert names.extra_cassette_path(str(tmp_path / "a.yaml"), "/c") == tmp_path / "a.yaml"
