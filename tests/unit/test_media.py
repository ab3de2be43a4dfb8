"""Media types and headers: one answer to "what is this body" for keys, the codec and live rewriting."""

from __future__ import annotations

import pytest

from pytest_llmrec import media


@pytest.mark.parametrize(
    ("content_type", "body", "kind"),
    [
        ("text/event-stream; charset=utf-8", b"", "sse"),
        ("application/x-ndjson", b"{}", "ndjson"),  # holds "json", but is a stream
        ("Application/JSON", b"", "json"),
        ("application/vnd.api+json", b"", "json"),
        ("multipart/form-data; boundary=x", b"", "multipart"),
        ("application/x-www-form-urlencoded", b"a=1", "form"),
        ("text/plain", b"{}", "other"),  # a declared type wins over the look of the body
        (None, b'{"a": 1}', "json"),  # no type: JSON if it looks like it
        ("", b"hello", "other"),
    ],
)
def test_a_body_is_known_by_its_content_type_or_its_look(content_type, body, kind):
    assert media.kind(content_type, body) == kind


@pytest.mark.parametrize(
    "headers",
    [
        {"Content-Type": "application/json"},  # a plain dict, as VCR.py's aiohttp stub builds
        {"content-type": ["application/json"]},  # VCR.py's recorded form: a list of values
        [("CONTENT-TYPE", "application/json"), ("x", "y")],  # pairs, as httpx's multi_items()
    ],
)
def test_a_header_is_found_whatever_its_case_and_container(headers):
    assert media.header(headers, "content-type") == "application/json"


def test_an_absent_header_is_none():
    assert media.header({"accept": "*/*"}, "content-type") is None
    assert media.header([], "content-type") is None
