"""The patchers: built once and pointed at each test's tape in turn; a block inside another gets its own."""

from __future__ import annotations

import gc

import openai
import pytest

from pytest_llmrec.config import RecordingConfig
from pytest_llmrec.intercept.patchers import intercepting
from pytest_llmrec.modes import Mode
from pytest_llmrec.tape import Tape

httpx = pytest.importorskip("httpx2") if openai.__version__.startswith("3.") else pytest.importorskip("httpx")


def tape(tmp_path, name: str) -> Tape:
    return Tape(RecordingConfig(f"t.py::{name}", Mode.LIVE, tmp_path), f"t.py::{name}")


def ask(base_url: str) -> None:
    with httpx.Client() as client:
        client.post(base_url + "/chat/completions", json={"model": "m", "messages": []})


def test_each_block_reaches_its_own_tape(tmp_path, openai_server):
    first, second = tape(tmp_path, "first"), tape(tmp_path, "second")
    with intercepting(first):
        ask(openai_server.base_url)
    with intercepting(second):
        ask(openai_server.base_url)
        ask(openai_server.base_url)
    assert (len(first.recorder.sent), len(second.recorder.sent)) == (1, 2)


def test_a_block_inside_another_gets_its_own_patches_and_gives_the_outer_ones_back(tmp_path, openai_server):
    outer, inner = tape(tmp_path, "outer"), tape(tmp_path, "inner")
    with intercepting(outer):
        with intercepting(inner):
            ask(openai_server.base_url)
        ask(openai_server.base_url)
    ask(openai_server.base_url)  # unpatched: reaches no tape
    assert (len(outer.recorder.sent), len(inner.recorder.sent)) == (1, 1)
    assert len(openai_server.requests) == 3


def test_a_test_after_the_first_leaves_no_cyclic_garbage_behind(tmp_path):
    with intercepting(tape(tmp_path, "warm")):
        pass
    gc.collect()
    gc.disable()
    try:
        for n in range(20):
            with intercepting(tape(tmp_path, f"t{n}")):
                pass
        assert gc.collect() < 50  # building them for each test left 1,020 cyclic objects in 20 tests
    finally:
        gc.enable()
