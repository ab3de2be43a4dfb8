"""``llmrec scan``: every kind of file a key can hide in is read, and each hit names file, field and vendor.

Planted keys are built by concatenation here, so no tracked file holds one.
"""

from __future__ import annotations

import base64
import gzip
import json
import time
from pathlib import Path

import pytest

from pytest_llmrec.cli import main
from pytest_llmrec.scan import scan, scan_file

OPENAI = "sk-" + "proj-" + "PLANTEDabcdefghijklmnopqrstuvwxyz0123456789"
ANTHROPIC = "sk-" + "ant-api03-" + "abcdefghijklmnopqrstuvwxyz0123456789"
STRIPE = "sk_" + "live_" + "abcdefghijklmnop0123"
JWT = "eyJ" + "hbGciOiJIUzI1NiJ9" + ".eyJ" + "zdWIiOiIxMjM0NTY3ODkwIn0" + ".abcdefghijklmnopqrstuv"
GITHUB = "github" + "_pat_" + "11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz"
AKIA = "AK" + "IA" + "ABCDEFGHIJKLMNOP"
PEM = "-----BEGIN " + "RSA PRIVATE KEY-----"
OAUTH = "ya" + "29." + "a0AfH6SMBabcdefghijklmnopqrstuvwxyz"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "EXAMPLEKEY"

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "llama_stack_recordings"


def _recording(body: object) -> str:
    return json.dumps({"request": {"body": {"prompt": "hi"}}, "response": {"status": 200, "body": body}})


def _cassette(body: str, authorization: str = "Bearer placeholder") -> str:
    """A VCR.py cassette, as VCR.py writes it in YAML."""
    return (
        "interactions:\n- request:\n    body: '{}'\n    headers:\n      Authorization:\n"
        f"      - {authorization}\n    method: POST\n  response:\n    body:\n      string: {body}\n"
    )


def _split_stream() -> str:
    pieces = ("key: ", OPENAI[:10], OPENAI[10:30], OPENAI[30:])  # no piece alone looks like a key
    events = [{"choices": [{"delta": {"content": piece}}]} for piece in pieces]
    return _recording(events)


PLANTED = {  # file name -> (content, the line scan prints after "<path>: ")
    "a.json": (_recording({"answer": OPENAI}), "response.body.answer holds what looks like an OpenAI key"),
    "cassette.yaml": (_cassette("hello", f"Bearer {OPENAI}"), "interactions[0].request.headers.Authorization[0] holds what "
                      "looks like an OpenAI key"),
    "binary.yml": (
        _cassette("!!binary |\n        " + base64.b64encode(gzip.compress(STRIPE.encode())).decode()),
        "interactions[0].response.body.string holds what looks like a Stripe secret key (gzip-encoded)",
    ),
    "calls.jsonl": (
        "\n".join([json.dumps({"n": 1}), json.dumps({"headers": {"x-api-key": ANTHROPIC}})]),
        "line 2: headers.x-api-key holds what looks like an Anthropic key",
    ),
    ".r.json.abc123.tmp": ('{"response": {"body": "' + OPENAI, "line 1 holds what looks like an OpenAI key"),
    "run.log": (f"sent token={JWT} ok", "line 1 holds what looks like a JSON Web Token"),
    "b64.json": (
        _recording({"data": base64.b64encode(OPENAI.encode()).decode()}),
        "response.body.data holds what looks like an OpenAI key (base64-encoded)",
    ),
    "split.json": (
        _split_stream(),
        "response.body[*].choices[0].delta.content (joined across stream events) holds what looks like "
        "an OpenAI key",
    ),
    "stripe.json": (_recording(STRIPE), "response.body holds what looks like a Stripe secret key"),
    "pat.json": (_recording({"token": GITHUB}), "response.body.token holds what looks like a GitHub token"),
    "sts.json": (
        _recording({"Credentials": {"SecretAccessKey": AWS_SECRET}}),
        "response.body.Credentials.SecretAccessKey holds what looks like an AWS secret access key",
    ),
    "key.txt": (f"keys:\n\n{PEM}\nMIIE...", "line 3 holds what looks like a PEM private key"),
    "oauth.json": (_recording({"access": OAUTH}), "response.body.access holds what looks like a Google OAuth token"),
}  # fmt: skip


def test_every_planted_file_is_flagged_with_its_field_and_vendor(tmp_path, capsys):
    for name, (content, _) in PLANTED.items():
        (tmp_path / name).write_text(content)
    (tmp_path / "blob.bin").write_bytes(b"\x00\xff" + AKIA.encode() + b"\xfe")
    (tmp_path / "r.json.gz").write_bytes(gzip.compress(_recording(OPENAI).encode()))
    (tmp_path / "clean.json").write_text(_recording({"answer": "The Latin name of the Sun is Sol."}))

    assert scan([tmp_path]) == 1

    err = capsys.readouterr()
    expected = {f"{tmp_path / name}: {line}" for name, (_, line) in PLANTED.items()}
    expected |= {
        f"{tmp_path / 'blob.bin'}: <bytes> holds what looks like an AWS access key id",
        f"{tmp_path / 'r.json.gz'}: response.body holds what looks like an OpenAI key",
    }
    assert set(err.err.splitlines()) == expected
    assert (
        err.out
        == f"llmrec scan: {len(PLANTED) + 3} file(s), {len(PLANTED) + 2} with a secret or unreadable\n"
    )


def test_json_names_each_finding_and_never_the_key(tmp_path, capsys):
    for name, (content, _) in PLANTED.items():
        (tmp_path / name).write_text(content)
    (tmp_path / "clean.json").write_text(_recording({"answer": "Sol"}))

    assert main(["scan", "--json", str(tmp_path)]) == 1

    out = capsys.readouterr().out
    report = json.loads(out)
    assert (report["files"], report["flagged"]) == (len(PLANTED) + 1, len(PLANTED))
    lines = {
        f"{tmp_path / f['file']}: {f['where']} holds what looks like {f['problem']}"
        for f in report["findings"]
    }
    assert lines == {f"{tmp_path / name}: {line}" for name, (_, line) in PLANTED.items()}
    assert OPENAI not in out and AKIA not in out


def test_version_control_and_virtualenvs_are_not_read(tmp_path, capsys):
    for folder in (".git", ".venv", "node_modules"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x.json").write_text(_recording(OPENAI))
    assert main(["scan", str(tmp_path)]) == 0
    assert capsys.readouterr().out == "llmrec scan: 0 file(s), 0 with a secret or unreadable\n"


def test_a_file_that_cannot_be_read_counts_as_a_failure(tmp_path, capsys):
    missing = tmp_path / "gone.json"
    assert scan([missing]) == 1
    assert capsys.readouterr().err.startswith(f"{missing}: cannot read: [Errno 2] No such file or directory")


def test_every_hit_of_a_file_is_reported(tmp_path):
    path = tmp_path / "two.json"
    path.write_text(_recording({"a": OPENAI, "b": STRIPE}))
    assert [str(finding) for finding in scan_file(path)] == [
        f"{path}: response.body.a holds what looks like an OpenAI key",
        f"{path}: response.body.b holds what looks like a Stripe secret key",
    ]


def test_the_recordings_this_project_commits_hold_no_key():
    root = Path(__file__).parents[2]
    assert main(["scan", str(root / "example_suite"), str(root / "tests" / "data")]) == 0


@pytest.mark.skipif(
    not CORPUS.is_dir(), reason="llama-stack's recordings are not checked out beside the repo"
)
def test_no_false_positive_in_llama_stack_recordings(capsys):
    started = time.perf_counter()
    assert scan([CORPUS]) == 0
    out = capsys.readouterr().out
    files = int(out.split()[2])
    assert files >= 3000 and out == f"llmrec scan: {files} file(s), 0 with a secret or unreadable\n"
    print(f"scanned {files} llama-stack files in {time.perf_counter() - started:.1f} s: 0 flagged")
