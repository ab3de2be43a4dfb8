"""The loopback server's files, audio and image endpoints, driven through the openai SDK."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import re
import struct
import time
import wave
import zlib

import openai
import pytest

from fakes.llm_server import OpenAICompatibleServer
from fakes.openai_clients import make_async_client, make_client


def test_files_upload_retrieve_content_delete(openai_server: OpenAICompatibleServer) -> None:
    client = make_client(openai_server)
    data = bytes(range(256)) + b"\r\n--not-a-boundary\r\n" + b"\x00\r"
    uploaded = client.files.create(file=("data.jsonl", data, "application/jsonl"), purpose="batch")
    assert re.fullmatch(r"file-[A-Za-z0-9]{22}", uploaded.id)
    assert (uploaded.filename, uploaded.bytes, uploaded.purpose, uploaded.status) == (
        "data.jsonl",
        len(data),
        "batch",
        "processed",
    )
    assert abs(uploaded.created_at - time.time()) < 60
    assert openai_server.requests[-1].headers["content-type"].startswith("multipart/form-data; boundary=")

    assert client.files.retrieve(uploaded.id) == uploaded
    content = client.files.with_raw_response.content(uploaded.id)
    assert content.headers["content-type"] == "application/octet-stream"
    assert content.content == data

    deleted = client.files.delete(uploaded.id)
    assert (deleted.id, deleted.deleted) == (uploaded.id, True)
    for call in (client.files.retrieve, client.files.content, client.files.delete):
        with pytest.raises(openai.NotFoundError) as missing:
            call(uploaded.id)
        assert f"No such File object: {uploaded.id}" in missing.value.message  # 1.x/2.x add the body


def test_async_file_upload(openai_server: OpenAICompatibleServer) -> None:
    async def main() -> None:
        client = make_async_client(openai_server)
        first = await client.files.create(file=("a.txt", b"same"), purpose="assistants")
        second = await client.files.create(file=("a.txt", b"same"), purpose="assistants")
        assert first.id != second.id
        assert await (await client.files.content(second.id)).aread() == b"same"
        await client.close()

    asyncio.run(main())


def test_audio_speech_is_deterministic_audio(openai_server: OpenAICompatibleServer) -> None:
    client = make_client(openai_server)

    def speak(text: str, fmt: str) -> tuple[bytes, str]:
        raw = client.audio.speech.with_raw_response.create(
            model="tts-1",
            voice="alloy",
            input=text,
            response_format=fmt,  # type: ignore[arg-type]
        )
        return raw.content, raw.headers["content-type"]

    wav, wav_type = speak("two words", "wav")
    assert wav_type == "audio/wav"
    with wave.open(io.BytesIO(wav)) as clip:
        assert (clip.getnchannels(), clip.getsampwidth(), clip.getframerate()) == (1, 2, 24_000)
        assert clip.getnframes() == 2 * 2_400  # 0.1 s per word
        samples = clip.readframes(clip.getnframes())
    assert speak("two words", "wav")[0] == wav
    assert speak("other words", "wav")[0] != wav
    assert speak("two words", "pcm") == (samples, "audio/pcm")

    mp3 = client.audio.speech.create(model="tts-1", voice="alloy", input="two words")  # mp3 by default
    assert mp3.content[:2] == b"\xff\xfb" and len(mp3.content) % 417 == 0
    with pytest.raises(openai.BadRequestError):
        speak("x", "opus")


def test_audio_transcription_describes_the_upload(openai_server: OpenAICompatibleServer) -> None:
    client = make_client(openai_server)
    audio = b"RIFF fake audio \x00\xff"
    digest = hashlib.sha256(audio).hexdigest()[:12]
    transcript = client.audio.transcriptions.create(model="whisper-1", file=("clip.wav", audio))
    assert transcript.text == f"Heard {len(audio)} bytes of clip.wav (sha256 {digest})."
    assert openai_server.requests[-1].headers["content-type"].startswith("multipart/form-data")
    as_text = client.audio.transcriptions.create(
        model="whisper-1", file=("clip.wav", audio), response_format="text"
    )
    assert as_text.strip() == transcript.text
    with pytest.raises(openai.InternalServerError):  # simulated errors work on form bodies too
        client.audio.transcriptions.create(model="error-500", file=("clip.wav", audio))


def test_image_generation_returns_a_png(openai_server: OpenAICompatibleServer) -> None:
    client = make_client(openai_server)
    result = client.images.generate(model="gpt-image-1", prompt="a red fox", response_format="b64_json", n=2)
    assert abs(result.created - time.time()) < 60
    assert result.data is not None and len(result.data) == 2
    pngs = [base64.b64decode(d.b64_json or "") for d in result.data]
    assert pngs[0] != pngs[1]
    png = pngs[0]
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    length, kind = struct.unpack(">I4s", png[8:16])
    assert (kind, struct.unpack(">II", png[16:24])) == (b"IHDR", (8, 8))
    idat_at = 8 + 12 + length
    idat_length, idat = struct.unpack(">I4s", png[idat_at : idat_at + 8])
    assert idat == b"IDAT"
    assert len(zlib.decompress(png[idat_at + 8 : idat_at + 8 + idat_length])) == 8 * (1 + 8 * 3)
    again = client.images.generate(model="gpt-image-1", prompt="a red fox", response_format="b64_json")
    assert again.data is not None and base64.b64decode(again.data[0].b64_json or "") == png
    with pytest.raises(openai.BadRequestError):
        client.images.generate(model="dall-e-2", prompt="a red fox", response_format="url")
