"""A response's shape: its fields and their JSON types, lists merged, SDK classes and event order kept."""

from __future__ import annotations

from pytest_llmrec.reading.shape import compare, event_kinds, shape_of


def test_lists_merge_their_items_and_typed_payloads_keep_their_class():
    value = {"__type__": "openai.X", "__data__": {"choices": [{"text": "a"}, {"text": "b", "extra": 1}]}}
    assert shape_of(value) == {
        "__type__": frozenset({"openai.X"}),
        "$": frozenset({"object"}),
        "choices": frozenset({"array"}),
        "choices[]": frozenset({"object"}),
        "choices[].text": frozenset({"string"}),
        "choices[].extra": frozenset({"number"}),
    }


def test_compare_names_new_removed_and_retyped_fields_by_path():
    old = shape_of({"id": "x", "usage": {"tokens": 3}, "gone": True})
    new = shape_of({"id": 7, "usage": {"tokens": 3, "cached": 0}})
    assert compare(old, new) == [
        ("removed field", "gone", "boolean"),
        ("changed type", "id", "string -> number"),
        ("new field", "usage.cached", "number"),
    ]
    assert compare(old, old) == []


def test_a_longer_stream_has_the_same_event_kinds():
    delta = {"type": "content_block_delta"}
    short = [{"type": "message_start"}, delta, {"type": "message_stop"}]
    long = [{"type": "message_start"}, delta, delta, delta, {"type": "message_stop"}]
    assert event_kinds(short) == event_kinds(long) == ["message_start", "content_block_delta", "message_stop"]
