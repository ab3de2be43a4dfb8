"""cassettes.responses: what a replayed cassette sends a client, for cassettes each client recorded for real."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import aiohttp
import httpx
import pytest
import requests

from pytest_llmrec.cassettes.files import read_cassette
from pytest_llmrec.cassettes.responses import replay_response, split
from pytest_llmrec.storage import encodings
from pytest_llmrec.storage.codec import ReplayResponse
from unit.cassettes.encoded_server import ANSWER, EVENTS, GEMINI, EncodedServer, record


@pytest.fixture
def server():
    with EncodedServer() as running:
        yield running


class _Chunks(httpx.SyncByteStream):
    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks

    def __iter__(self) -> Iterator[bytes]:
        yield from self.chunks


def _client_reads(replay: ReplayResponse) -> httpx.Response:
    """What httpx makes of the replayed response: it decodes what its content-encoding says."""
    response = httpx.Response(replay.status, headers=replay.headers, stream=_Chunks(replay.chunks))
    response.read()
    return response


def _aiohttp(url: str) -> object:
    async def call() -> object:
        async with aiohttp.ClientSession() as session, session.post(url, json={"q": 1}) as response:
            return await response.json()

    return asyncio.run(call())


CLIENTS = {
    "httpx": lambda url: httpx.post(url, json={"q": 1}).json(),
    "requests": lambda url: requests.post(url, json={"q": 1}).json(),
    "aiohttp": _aiohttp,
}


@pytest.mark.parametrize("decode_compressed_response", [False, True], ids=["as-stored", "decoded"])
@pytest.mark.parametrize("client", list(CLIENTS))
@pytest.mark.parametrize("coding", ["gzip", "deflate", "raw-deflate", "br"])
def test_a_compressed_answer_replays_so_the_client_decodes_it_once(
    tmp_path, server, client, coding, decode_compressed_response
):
    if coding == "br" and encodings.brotli_module() is None:
        pytest.skip("brotli is not installed: no client here can ask for br")
    if coding == "raw-deflate" and decode_compressed_response and client == "httpx":
        pytest.skip("VCR.py's decode_compressed_response cannot read raw deflate: the live call fails")
    path = tmp_path / "c.yaml"
    live = record(
        path,
        lambda: CLIENTS[client](f"{server.base_url}/{coding}"),
        decode_compressed_response=decode_compressed_response,
    )
    (stored,) = read_cassette(path)[1]

    replay = replay_response(stored)

    assert live == ANSWER
    assert _client_reads(replay).json() == ANSWER
    names = {name.lower(): value for name, value in replay.headers}
    assert names["content-length"] == str(len(replay.content))
    compressed = replay.content != json.dumps(ANSWER).encode()
    assert ("content-encoding" in names) == compressed  # kept only over a body that is compressed
    assert compressed == (client == "httpx" and not decode_compressed_response)  # what vcrpy 9.4 stores


def test_header_names_stay_as_stored(tmp_path, server):
    path = tmp_path / "c.yaml"
    record(path, lambda: requests.post(f"{server.base_url}/gzip", json={"q": 1}))
    (stored,) = read_cassette(path)[1]

    names = [name for name, _ in replay_response(stored).headers]

    assert "Content-Type" in names and "Content-Length" in names and "Content-Encoding" not in names


def test_an_sse_stream_stored_as_one_string_replays_event_by_event(tmp_path, server):
    path = tmp_path / "c.yaml"
    record(path, lambda: httpx.post(f"{server.base_url}/sse", json={}).read())
    (stored,) = read_cassette(path)[1]

    replay = replay_response(stored)

    assert len(replay.chunks) == len(EVENTS) + 1
    assert replay.content == stored["body"]["string"]
    assert [json.loads(chunk.split(b"data: ")[1]) for chunk in replay.chunks[:-1]] == EVENTS
    assert replay.chunks[-1] == b"data: [DONE]\n\n"


def test_geminis_json_array_stream_replays_one_element_at_a_time(tmp_path, server):
    url = f"{server.base_url}/v1beta/models/gemini-2.0-flash:streamGenerateContent"
    path = tmp_path / "c.yaml"
    record(path, lambda: httpx.post(url, json={}).read())
    (request,), (stored,) = read_cassette(path)

    replay = replay_response(stored, request.uri)

    assert replay.content == stored["body"]["string"]
    assert [json.loads(chunk.strip(b"[],\r\n")) for chunk in replay.chunks] == GEMINI
    assert replay_response(stored).chunks == [replay.content]  # only a streamGenerateContent URL is split


@pytest.mark.parametrize(
    ("body", "content_type", "chunks"),
    [
        (b"data: a\r\n\r\ndata: b\r\n\r\n", "text/event-stream", [b"data: a\r\n\r\n", b"data: b\r\n\r\n"]),
        (b"data: a\n\ndata: b", "text/event-stream; charset=utf-8", [b"data: a\n\n", b"data: b"]),
        (b'{"a":1}\n{"b":2}\n', "application/x-ndjson", [b'{"a":1}\n', b'{"b":2}\n']),
        (b'{"a": [1, 2]}', "application/json", [b'{"a": [1, 2]}']),
        (b"[1, 2", "application/json", [b"[1, 2"]),
        (b"", "text/event-stream", [b""]),
    ],
)
def test_split_keeps_every_byte(body, content_type, chunks):
    url = "https://generativelanguage.googleapis.com/v1beta/models/g:streamGenerateContent"
    assert split(body, content_type, url) == chunks
    assert b"".join(split(body, content_type, url)) == body
