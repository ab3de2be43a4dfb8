"""JSON paths: what they point at, and the syntax errors a user sees."""

import pytest

from pytest_llmrec.errors import ConfigError
from pytest_llmrec.jsonpath import JsonPath


@pytest.mark.parametrize(
    ("path", "body", "expected"),
    [
        ("metadata", {"metadata": {"run": 1}, "model": "m"}, {"model": "m"}),
        (
            "messages[*].name",
            {"messages": [{"name": "a", "c": 1}, {"c": 2}]},
            {"messages": [{"c": 1}, {"c": 2}]},
        ),
        ("messages[0]", {"messages": [1, 2]}, {"messages": [2]}),
        ("$.a.b", {"a": {"b": 1, "c": 2}}, {"a": {"c": 2}}),
        ("absent.path", {"a": 1}, {"a": 1}),
    ],
)
def test_ignore_paths_drop_what_they_point_at(path, body, expected):
    assert JsonPath.parse(path).drop_from(body) == expected


def test_ignore_path_never_mutates_its_input():
    body = {"metadata": {"x": 1}}
    JsonPath.parse("metadata.x").drop_from(body)
    assert body == {"metadata": {"x": 1}}


@pytest.mark.parametrize("bad", ["", "a..b", "a[x]", "a]"])
def test_bad_ignore_paths_are_rejected_with_the_syntax(bad):
    with pytest.raises(ConfigError, match="JSON path"):
        JsonPath.parse(bad)
