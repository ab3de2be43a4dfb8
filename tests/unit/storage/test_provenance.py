"""A recording's ``provenance``: read and validated, written with new content only."""

from __future__ import annotations

import dataclasses
import datetime
from pathlib import Path
from typing import Any

import openai
import orjson
import pytest

from pytest_llmrec.errors import RecordingFileError
from pytest_llmrec.storage import codec, provenance, recording
from pytest_llmrec.storage.recording import Recording, StoredRequest
from pytest_llmrec.storage.store import Store, Written

WHEN = datetime.datetime(2026, 1, 31, 12, 0, tzinfo=datetime.timezone.utc)


def _recording(text: str, origin: dict[str, Any] | None) -> Recording:
    request = StoredRequest("POST", "http://127.0.0.1/v1/chat/completions", {"p": 1}, "/v1/chat/completions")
    response = codec.StoredResponse(200, codec.JSON, {"answer": text}, "application/json")
    return Recording("t.py::test_a", request, response, provenance=origin)


def test_stamp_names_the_installed_sdk_the_model_and_the_time() -> None:
    assert provenance.stamp("openai", "gpt-4o-mini", WHEN) == {
        "sdk": "openai",
        "sdk_version": openai.__version__,
        "model": "gpt-4o-mini",
        "recorded_at": "2026-01-31T12:00:00Z",
    }
    assert provenance.stamp(None, None, WHEN)["sdk_version"] is None


def test_a_rewrite_that_changes_only_the_provenance_leaves_the_file_alone(tmp_path: Path) -> None:
    store, path = Store(tmp_path), tmp_path / "a.json"
    first = _recording("one", provenance.stamp("openai", "m", WHEN))
    assert store.write(path, first, overwrite=True) is Written.NEW
    before = path.read_bytes()
    later = provenance.stamp("openai", "m", WHEN + datetime.timedelta(days=3))
    store.replaced = {}
    assert (
        store.write(path, dataclasses.replace(first, provenance=later), overwrite=True) is Written.UNCHANGED
    )
    assert path.read_bytes() == before and store.replaced == {}

    assert store.write(path, _recording("two", later), overwrite=True) is Written.NEW
    assert store.replaced == {path: before}  # what the review compares with
    read = store.read(path)
    assert read is not None and read.provenance == later


def test_a_file_without_provenance_reads_as_before(tmp_path: Path) -> None:
    data = recording.dumps(recording.to_document(_recording("one", None)))
    assert b"provenance" not in data
    assert recording.loads(data, tmp_path / "a.json").provenance is None


@pytest.mark.parametrize(
    ("value", "field", "problem"),
    [
        ("openai", "provenance", "expected an object, got str"),
        ({"sdk": 3}, "provenance.sdk", "expected str or null, got int 3"),
        ({"who": "me"}, "provenance.who", "unknown field; known: sdk, sdk_version, model, recorded_at"),
        (
            {"recorded_at": "yesterday"},
            "provenance.recorded_at",
            "expected a UTC time like 2026-01-31T12:00:00Z, got 'yesterday'",
        ),
    ],
)
def test_a_bad_provenance_names_the_file_and_field(
    tmp_path: Path, value: Any, field: str, problem: str
) -> None:
    document = recording.to_document(_recording("one", None))
    document["provenance"] = value
    path = tmp_path / "a.json"
    with pytest.raises(RecordingFileError) as raised:
        recording.loads(orjson.dumps(document), path)
    assert (raised.value.path, raised.value.field, raised.value.problem) == (path, field, problem)
