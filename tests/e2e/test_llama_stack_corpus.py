"""Conformance: every llama-stack recording a client can send replays, unchanged, through the real SDK.

For each file the recorded request is sent by the SDK that made it (openai, ollama,
anthropic; httpx for llama-stack's raw HTTP recordings), sync and async, in replay
mode against the recordings directory as it is. What comes back must equal what the
file holds. Runs on the whole corpus in ../shared when present, and always on the
curated subset in tests/data/llama_stack.
"""

from __future__ import annotations

import pytest

from e2e.corpus import SHARED_CORPUS, SUBSET, Case, cases, check, shadowing
from pytest_llmrec.llama_stack.index import ForeignIndexes

SUBSET_CASES = cases(SUBSET)
CORPUS_CASES = cases(SHARED_CORPUS)
SHADOWED = shadowing(SUBSET_CASES) | shadowing(CORPUS_CASES)
NO_CORPUS = pytest.mark.skipif(not CORPUS_CASES, reason=f"the llama-stack corpus is not at {SHARED_CORPUS}")


@pytest.fixture(scope="module")
def indexes() -> ForeignIndexes:
    return ForeignIndexes()  # one per run, as the plugin keeps them


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("case", SUBSET_CASES, ids=[c.id for c in SUBSET_CASES])
def test_subset_replays(case: Case, asynchronous: bool, indexes: ForeignIndexes) -> None:
    check(case, asynchronous, indexes, SHADOWED)


@NO_CORPUS
@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("case", CORPUS_CASES, ids=[c.id for c in CORPUS_CASES])
def test_corpus_replays(case: Case, asynchronous: bool, indexes: ForeignIndexes) -> None:
    check(case, asynchronous, indexes, SHADOWED)


def test_the_subset_covers_every_kind_of_the_corpus() -> None:
    def kinds(all_cases: list[Case]) -> set[tuple[str, str, bool, bool]]:
        return {(c.provider, c.kind, c.streaming, c.exception) for c in all_cases if c.kind}

    if CORPUS_CASES:
        assert kinds(CORPUS_CASES) <= kinds(SUBSET_CASES)
    assert len(SUBSET_CASES) <= 80
