"""Files, audio and images of the OpenAI-compatible test server, and the multipart/form-data they take.

Binary outputs are small, valid and deterministic given the request (a WAV, MP3 or PCM clip, a PNG), so
record-and-replay tests can compare bytes; file ids, like the real API's, are random per upload.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import string
import struct
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import HTTP
from typing import TYPE_CHECKING, cast

from .loopback import Json

if TYPE_CHECKING:
    from llm_server import OpenAIHandler

SAMPLE_RATE = 24_000  # Hz, 16-bit mono: the format of OpenAI's "pcm" speech
# A silent MPEG-1 Layer III frame (128 kbit/s, 44.1 kHz, mono): header, then 17 bytes of empty side info;
# the frame's other bytes are ancillary data, which decoders skip.
MP3_HEADER = bytes.fromhex("fffb90c4") + bytes(17)
MP3_FRAME = 417  # bytes: 144 * 128000 / 44100, no padding


@dataclass(frozen=True)
class Upload:
    """A file field of a multipart/form-data body."""

    filename: str | None
    content_type: str
    data: bytes


@dataclass(frozen=True)
class StoredFile:
    """An uploaded file as the server keeps it: its FileObject and its bytes."""

    obj: Json
    data: bytes


def parse_form(content_type: str, body: bytes) -> Json | None:
    """A multipart/form-data body's fields (text as str, files as Upload); None when it is not one."""
    if not content_type.lower().startswith("multipart/form-data"):
        return None
    head = b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n"
    message = cast(EmailMessage, BytesParser(policy=HTTP).parsebytes(head + body))
    if not message.is_multipart():
        return None
    fields: Json = {}
    for part in message.iter_parts():
        data = part.get_payload(decode=True)
        name = part.get_param("name", header="content-disposition")
        filename = part.get_filename()
        fields[str(name)] = (
            data.decode() if filename is None else Upload(filename, part.get_content_type(), data)
        )
    return fields


def _upload(api: OpenAIHandler, params: Json) -> Upload | None:
    """The form's ``file``; None after sending the real API's 400 when it is missing."""
    upload = params.get("file")
    if isinstance(upload, Upload):
        return upload
    api.error(400, "'file' is a required property", param="file")
    return None


def _stored(api: OpenAIHandler, params: Json) -> StoredFile | None:
    """The file the path names; None after sending the real API's 404 when there is none."""
    stored = api.owner.files.get(params["file_id"])
    if stored is None:
        api.error(404, f"No such File object: {params['file_id']}", param="id")
    return stored


def upload_file(api: OpenAIHandler, params: Json) -> None:
    """POST /v1/files (multipart: file, purpose) -> a FileObject, already processed."""
    upload = _upload(api, params)
    if upload is None:
        return None
    if not params.get("purpose"):
        return api.error(400, "'purpose' is a required property", param="purpose")
    alphabet = string.ascii_letters + string.digits
    obj = {
        "object": "file",
        "id": "file-" + "".join(secrets.choice(alphabet) for _ in range(22)),
        "purpose": params["purpose"],
        "filename": upload.filename,
        "bytes": len(upload.data),
        "created_at": int(time.time()),
        "expires_at": None,
        "status": "processed",
        "status_details": None,
    }
    api.owner.files.add(obj["id"], StoredFile(obj, upload.data))
    api.send_json(200, obj)


def retrieve_file(api: OpenAIHandler, params: Json) -> None:
    """GET /v1/files/{file_id}"""
    stored = _stored(api, params)
    if stored is not None:
        api.send_json(200, stored.obj)


def file_content(api: OpenAIHandler, params: Json) -> None:
    """GET /v1/files/{file_id}/content: the bytes as uploaded."""
    stored = _stored(api, params)
    if stored is not None:
        api.send_body(200, stored.data, "application/octet-stream")


def delete_file(api: OpenAIHandler, params: Json) -> None:
    """DELETE /v1/files/{file_id}"""
    if _stored(api, params) is not None:
        api.owner.files.pop(params["file_id"])
        api.send_json(200, {"id": params["file_id"], "object": "file", "deleted": True})


def _hash_bytes(text: str, size: int) -> bytes:
    """size bytes that depend only on text: its SHA-256, repeated."""
    digest = hashlib.sha256(text.encode()).digest()
    return (digest * (size // len(digest) + 1))[:size]


def _wav(pcm: bytes) -> bytes:
    fmt = struct.pack("<HHIIHH", 1, 1, SAMPLE_RATE, SAMPLE_RATE * 2, 2, 16)  # PCM, mono, 16-bit
    chunks = b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(pcm)) + pcm
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks


def _mp3(pcm: bytes) -> bytes:
    """Silent MP3 frames carrying the clip's bytes as ancillary data, so each input gives its own file."""
    room = MP3_FRAME - len(MP3_HEADER)
    return b"".join(MP3_HEADER + pcm[i : i + room].ljust(room, b"\0") for i in range(0, len(pcm), room))


# response_format -> (content type, encoder of 16-bit PCM samples)
SPEECH_FORMATS: dict[str, tuple[str, Callable[[bytes], bytes]]] = {
    "mp3": ("audio/mpeg", _mp3),
    "wav": ("audio/wav", _wav),
    "pcm": ("audio/pcm", bytes),
}


def speech(api: OpenAIHandler, params: Json) -> None:
    """POST /v1/audio/speech: a clip of 0.1 s per word whose samples come from a hash of the input."""
    fmt = params.get("response_format") or "mp3"  # the real API's default
    if fmt not in SPEECH_FORMATS:
        supported = ", ".join(SPEECH_FORMATS)
        return api.error(400, f"This test server speaks {supported}, not {fmt!r}.", param="response_format")
    content_type, encode = SPEECH_FORMATS[fmt]
    text = str(params.get("input", ""))
    pcm = _hash_bytes(text, SAMPLE_RATE // 10 * 2 * max(1, len(text.split())))
    api.send_body(200, encode(pcm), content_type)


def transcription(api: OpenAIHandler, params: Json) -> None:
    """POST /v1/audio/transcriptions: a transcript naming the upload's size and hash."""
    upload = _upload(api, params)
    if upload is None:
        return None
    digest = hashlib.sha256(upload.data).hexdigest()[:12]
    text = f"Heard {len(upload.data)} bytes of {upload.filename} (sha256 {digest})."
    if params.get("response_format") == "text":
        return api.send_body(200, text.encode() + b"\n", "text/plain; charset=utf-8")
    api.send_json(200, {"text": text})


def _png(text: str, size: int = 8) -> bytes:
    """A size x size RGB PNG whose pixels come from a hash of text."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = size * 3
    pixels = _hash_bytes(text, row * size)
    raw = b"".join(b"\0" + pixels[y * row : (y + 1) * row] for y in range(size))  # filter 0 per row
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def image(api: OpenAIHandler, params: Json) -> None:
    """POST /v1/images/generations: n small PNGs made from the prompt, as base64."""
    if params.get("response_format", "b64_json") != "b64_json":
        return api.error(400, "This test server returns images as b64_json only.", param="response_format")
    prompt = str(params.get("prompt", ""))
    pngs = [_png(f"{i}:{prompt}") for i in range(int(params.get("n") or 1))]
    data = [{"b64_json": base64.b64encode(png).decode()} for png in pngs]
    api.send_json(200, {"created": int(time.time()), "data": data})
