"""Binary and multipart traffic: file uploads, audio both ways and images, recorded and replayed."""

from __future__ import annotations

import base64
import textwrap

import pytest

from fakes.inner_suite import PREAMBLE, InnerSuite
from fakes.llm_server import OpenAICompatibleServer

SUITE = PREAMBLE + textwrap.dedent(
    """
    import base64
    import openai

    def client():
        return openai.OpenAI(base_url=BASE, max_retries=0)

    @pytest.mark.llm_recording
    def test_file_lifecycle():
        c = client()
        uploaded = c.files.create(file=("notes.bin", bytes(range(256)) * 4, "application/octet-stream"), purpose="assistants")
        fetched = c.files.retrieve(uploaded.id)
        content = c.files.content(uploaded.id).read()
        deleted = c.files.delete(uploaded.id)
        save("files", [uploaded.model_dump(), fetched.model_dump(), base64.b64encode(content).decode(), deleted.model_dump()])

    @pytest.mark.llm_recording
    def test_speech_then_transcription():
        c = client()
        audio = c.audio.speech.create(model="tts-1", voice="alloy", input="Hello there", response_format="wav").read()
        text = c.audio.transcriptions.create(model="whisper-1", file=("hello.wav", audio, "audio/wav"))
        save("audio", [base64.b64encode(audio).decode(), text.text])

    @pytest.mark.llm_recording
    def test_image():
        image = client().images.generate(model="gpt-image-1", prompt="a red circle", response_format="b64_json")
        save("image", image.data[0].b64_json)
    """
)
TESTS = 3


@pytest.fixture
def suite(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, openai_server: OpenAICompatibleServer
) -> InnerSuite:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-proj-" + "B" * 48)
    inner = InnerSuite(pytester, monkeypatch, openai_server.base_url)
    pytester.makepyfile(test_binary=SUITE)
    return inner


def by_endpoint(suite: InnerSuite) -> dict[str, dict]:
    return {f"{r['request']['method']} {r['request']['endpoint']}": r for r in suite.documents().values()}


def test_uploads_audio_and_images_record_and_replay_offline_equal(suite, openai_server):
    suite.run("--llm-record=record-missing").assert_outcomes(passed=TESTS)
    live = suite.results()

    uploaded, fetched, content, deleted = live["files"]
    assert uploaded["id"].startswith("rec-") and fetched == uploaded and deleted["id"] == uploaded["id"]
    assert base64.b64decode(content) == bytes(range(256)) * 4
    assert all(
        r.path.startswith(("/v1/files/file-", "/v1/files"))
        for r in openai_server.requests
        if "files" in r.path
    )
    audio, text = live["audio"]
    assert base64.b64decode(audio)[:4] == b"RIFF" and text
    assert base64.b64decode(live["image"])[:8] == b"\x89PNG\r\n\x1a\n"

    files = by_endpoint(suite)
    speech = files["POST /v1/audio/speech"]["response"]
    assert speech["format"] == "base64" and speech["size"] == len(base64.b64decode(audio))
    upload = files["POST /v1/files"]["request"]["body"]
    assert [part["headers"]["content-disposition"] for part in upload] == [
        'form-data; name="purpose"',
        'form-data; name="file"; filename="notes.bin"',
    ]
    assert upload[1]["content"]["size"] == 1024  # an uploaded binary is kept as its hash and size
    content_file = next(r for key, r in files.items() if key.endswith("/content"))
    assert content_file["request"]["endpoint"].startswith("/v1/files/rec-")  # the path as the client asked
    assert files["POST /v1/images/generations"]["response"]["body"]["__type__"].endswith("ImagesResponse")

    openai_server.stop()
    suite.forbid_sockets()
    suite.run().assert_outcomes(passed=TESTS)  # new multipart boundaries, same keys
    assert suite.results() == live
