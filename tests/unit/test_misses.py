"""The field-level diff a miss shows: recorded -> live."""

from pytest_llmrec.misses import ABSENT, field_diff


def test_changed_added_and_removed_fields_are_named_by_path():
    recorded = {"model": "m", "temperature": 0.2, "messages": [{"role": "user", "content": "a"}], "user": "x"}
    live = {
        "model": "m",
        "temperature": 0.7,
        "messages": [{"role": "user", "content": "b"}, {"role": "user"}],
        "n": 2,
    }
    assert field_diff(recorded, live) == [
        "messages[0].content: 'a' -> 'b'",
        f"messages[1]: {ABSENT} -> {{'role': 'user'}}",
        f"n: {ABSENT} -> 2",
        "temperature: 0.2 -> 0.7",
        f"user: 'x' -> {ABSENT}",
    ]


def test_identical_bodies_differ_nowhere_and_long_values_are_shortened():
    assert field_diff({"a": [1, {"b": 2}]}, {"a": [1, {"b": 2}]}) == []
    (line,) = field_diff("x" * 200, "y")
    assert line.startswith("<body>: 'xxx") and " ... -> 'y'" in line and len(line) < 100
