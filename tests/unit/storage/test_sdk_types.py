"""The class each provider body is typed as, checked against the SDKs installed for the tests."""

from __future__ import annotations

import importlib.util

import pytest

from pytest_llmrec.storage import sdk_check, sdk_types

PATHS = sorted(
    {
        *sdk_types.OPENAI_OBJECTS.values(),
        *sdk_types.OPENAI_DELETED.values(),
        *sdk_types.ENDPOINTS.values(),
        *sdk_types.RESPONSES_EVENTS.values(),
        *sdk_types.ANTHROPIC_EVENTS.values(),
        sdk_types.ANTHROPIC_MESSAGE,
        sdk_types.EMBEDDINGS,
    }
)


@pytest.mark.parametrize("path", PATHS)
def test_every_type_named_is_a_class_of_its_sdk(path):
    if importlib.util.find_spec(path.split(".")[0]) is None:
        pytest.skip(f"{path.split('.')[0]} is not installed")
    assert sdk_check.sdk_class(path) is not None, path


def test_a_delete_answer_is_typed_as_a_deletion_the_sdk_accepts():
    answer = {"id": "file-abc", "object": "file", "deleted": True}

    path = sdk_types.sdk_type(answer, "/v1/files/file-abc")

    assert path == "openai.types.file_deleted.FileDeleted"
    assert sdk_check.sdk_class(path).model_validate(answer).deleted is True
    assert sdk_types.sdk_type({"id": "file-abc", "object": "file", "bytes": 3}, "/v1/files") == (
        "openai.types.file_object.FileObject"
    )
