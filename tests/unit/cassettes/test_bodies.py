"""cassettes.bodies: a body in any form VCR.py stored it, and whether its content-encoding really applies."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import pytest

from pytest_llmrec.cassettes import bodies
from pytest_llmrec.errors import RecordingFileError
from pytest_llmrec.storage import encodings
from unit.cassettes.encoded_server import raw_deflate

HERE = Path("c.yaml")
TEXT = b'{"choices": [{"text": "Sol"}]}'


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        (None, None),
        ("Sol \u2609", "Sol \u2609".encode()),
        (b"\x00\xff", b"\x00\xff"),
        (bytearray(b"ab"), b"ab"),
        ({"string": "x"}, b"x"),
        ([b"a", "b", None], b"ab"),  # an iterator body VCR.py pickled
        ({"q": [1, "x"]}, b'{"q": [1, "x"]}'),  # aiohttp's json= data
        ([{"a": 1}], b'[{"a": 1}]'),
    ],
)
def test_a_body_as_bytes_whatever_vcrpy_stored(stored, expected):
    assert bodies.body_bytes(stored, HERE, "body") == expected


def test_a_body_of_another_type_names_its_field():
    with pytest.raises(RecordingFileError) as caught:
        bodies.body_bytes({"string": 3.5}, HERE, "interactions[0].request.body")
    assert (
        str(caught.value)
        == "c.yaml: interactions[0].request.body.string: a float, not a string or binary body"
    )
    with pytest.raises(RecordingFileError) as caught:
        bodies.body_bytes(3.5, HERE, "interactions[0].request.body")
    assert str(caught.value) == "c.yaml: interactions[0].request.body: a float, not a string or binary body"


@pytest.mark.parametrize(
    ("encoding", "coded"),
    [
        ("gzip", gzip.compress(TEXT, mtime=0)),
        ("x-gzip", gzip.compress(TEXT, mtime=0)),
        ("deflate", zlib.compress(TEXT)),
        ("deflate", raw_deflate(TEXT)),
        ("Deflate, GZIP", gzip.compress(zlib.compress(TEXT), mtime=0)),
    ],
    ids=["gzip", "x-gzip", "zlib", "raw-deflate", "deflate-then-gzip"],  # the same ids on every worker
)
def test_a_compressed_body_is_decoded_once(encoding, coded):
    assert bodies.compressed(coded, encoding)
    assert bodies.decoded(coded, encoding, HERE, "body") == TEXT


@pytest.mark.parametrize("encoding", ["gzip", "deflate", None, "identity", ""])
def test_a_body_stored_decoded_under_the_header_is_left_as_it_is(encoding):
    """aiohttp's and requests' stubs keep ``content-encoding: gzip`` over the decoded body."""
    assert not bodies.compressed(TEXT, encoding)
    assert bodies.decoded(TEXT, encoding, HERE, "body") == TEXT


def test_header_lookup_ignores_the_case_of_names():
    assert bodies.header({"Content-Encoding": ["gzip"], "X": ["1"]}, "content-encoding") == "gzip"
    assert bodies.header({"content-encoding": ["gzip", "br"]}, "content-encoding") == "gzip, br"
    assert bodies.header({}, "content-encoding") is None


@pytest.mark.skipif(encodings.brotli_module() is not None, reason="brotli is installed here")
def test_brotli_without_the_module_is_a_clear_error_naming_file_and_field():
    coded = bytes(range(256))  # not text: compressed data, which only brotli could read
    with pytest.raises(RecordingFileError) as caught:
        bodies.check_readable(coded, "br", HERE, "interactions[2].response.body")
    assert str(caught.value) == (
        "c.yaml: interactions[2].response.body: content-encoding br needs the brotli module to read "
        "(pip install brotli)"
    )
    bodies.check_readable(TEXT, "br", HERE, "body")  # text under "br": stored decoded, readable
    assert not bodies.compressed(TEXT, "br")


@pytest.mark.skipif(encodings.brotli_module() is None, reason="brotli is not installed")
def test_brotli_bodies_decode_when_the_module_is_there():
    coded = encodings.brotli_module().compress(TEXT)
    assert bodies.compressed(coded, "br") and bodies.decoded(coded, "br", HERE, "body") == TEXT


def test_an_unknown_coding_of_binary_data_is_refused_with_its_name():
    with pytest.raises(RecordingFileError) as caught:
        bodies.check_readable(bytes(range(256)), "zstd", HERE, "responses[0].body")
    assert caught.value.problem == "content-encoding 'zstd' cannot be read (gzip, deflate and br can)"
