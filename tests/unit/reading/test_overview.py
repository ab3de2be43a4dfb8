"""A row per recording: the provider told from the file, and the counts ``llmrec stats`` prints."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_llmrec.reading import found
from pytest_llmrec.reading.overview import Stats, provider, row

ZOO = Path(__file__).parents[2] / "data" / "recordings_zoo"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("azure_chat", "azure"),
        ("anthropic_stream", "anthropic"),
        ("ollama_chat_stream", "ollama"),
        ("responses_stream", "openai"),
        ("embeddings", "openai"),
    ],
)
def test_the_provider_is_told_from_what_the_file_holds(name, expected):
    each = found.read(ZOO / f"{name}.json")
    assert each is not None
    assert provider(each) == expected


def test_a_row_and_the_stats_of_the_zoo():
    rows = [row(each, ZOO) for each in found.harvest([ZOO]).recordings]
    by_file = {each.file: each for each in rows}
    stream = by_file["anthropic_stream.json"]
    assert (stream.endpoint, stream.model, stream.stream, stream.status, stream.tokens) == (
        "/v1/messages",
        "claude-sonnet-4-6",
        True,
        200,
        5,
    )
    assert stream.size == (ZOO / "anthropic_stream.json").stat().st_size
    stats = Stats.of(rows, largest=2)
    assert stats.recordings == 16
    assert stats.providers["ollama"] == 4 and stats.providers["anthropic"] == 3
    assert stats.errors == 2  # the rate-limited Anthropic answer and Ollama's missing model
    assert [each.size for each in stats.largest] == sorted((each.size for each in rows), reverse=True)[:2]


def test_files_that_are_not_recordings_are_passed_over_and_damaged_ones_named(tmp_path):
    (tmp_path / "package.json").write_text('{"name": "app"}')
    (tmp_path / "broken.json").write_text('{"request": {}, "response": {}}')
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "node_modules" / "x.json").write_text("{}")
    harvest = found.harvest([tmp_path])
    assert harvest.others == 1 and harvest.recordings == []
    (error,) = harvest.damaged
    assert str(error) == f"{tmp_path / 'broken.json'}: request.method: missing"
