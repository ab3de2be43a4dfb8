"""Every credential of issue 9, planted in real recording runs against a server that echoes the request.

The loopback server's ``echo-request`` model answers with the request's headers, path (with the
query) and body, and all of that again in base64; its stream splits the echo into 7-character
events, and ``/v1/echo/binary`` wraps it in bytes that are not UTF-8. So every credential the
client sent comes back, plain, in base64, split across events and inside a binary body. Then
every byte under the recordings directory and every line pytest printed, a miss message
included, is searched for each planted value: none may be found.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import re
import textwrap

from fakes.llm_server import ECHO_MODEL
from pytest_llmrec.scan import scan


def _chars(seed: str, n: int, upper: bool = False) -> str:
    """n deterministic [0-9a-f] characters (upper-cased for AWS ids), different for every seed."""
    text = "".join(hashlib.sha256(f"{seed}{i}".encode()).hexdigest() for i in range(n // 64 + 1))[:n]
    return text.upper() if upper else text


def _b64url(data: dict[str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


# Key-shaped values, built here so that no tracked file holds one.
OPENAI_KEY = "sk-" + "proj-" + _chars("openai", 48)
STRIPE = "sk_" + "live_" + _chars("stripe", 24)
GITHUB_PAT = "github" + "_pat_" + _chars("github", 40)
GITHUB_CLASSIC = "gh" + "p_" + _chars("ghp", 36)
GITLAB = "gl" + "pat-" + _chars("gitlab", 20)
SLACK = "xo" + "xb-" + _chars("slack", 24)
HUGGING_FACE = "h" + "f_" + _chars("hf", 34)
ANTHROPIC = "sk-" + "ant-api03-" + _chars("anthropic", 40)
GOOGLE_API = "AI" + "za" + _chars("google", 35)
GOOGLE_OAUTH = "ya" + "29." + _chars("oauth", 40)
AWS_ID = "AK" + "IA" + _chars("aws-id", 16, upper=True)
AWS_SECRET = _chars("aws-secret", 20) + _chars("aws-secret-2", 20, upper=True)
AWS_SESSION = "IQoJb3JpZ2luX2Vj" + _chars("aws-session", 80)
AZURE = _chars("azure", 32)
JWT = ".".join(
    [_b64url({"alg": "HS256", "typ": "JWT"}), _b64url({"sub": _chars("jwt", 12)}), _chars("jwt-sig", 43)]
)
PEM = "-----BEGIN " + "PRIVATE KEY-----" + _chars("pem", 64) + "-----END PRIVATE KEY-----"

QUERY_NAMES = [
    "key", "api_key", "apikey", "api-key", "api_token", "access_token", "access-token", "access_key",
    "token", "auth", "auth_token", "authorization", "bearer", "client_secret", "password", "passwd",
    "pwd", "secret", "sig", "signature", "subscription-key", "ocp-apim-subscription-key", "x-api-key",
    "refresh_token", "id_token", "session_token", "private_token", "jwt", "hapikey", "app_secret",
    "consumer_secret", "oauth_token", "oauth_signature", "X-Amz-Signature", "X-Amz-Credential",
    "X-Goog-Signature", "corp_sso",
]  # fmt: skip
FIELD_NAMES = [
    "api_key", "apiKey", "password", "secret", "client_secret", "clientSecret", "token", "access_token",
    "refresh_token", "id_token", "auth_token", "session_token", "private_key", "aws_secret_access_key",
    "corp_passphrase",
]  # fmt: skip
KEY_SHAPED = {  # where a vendor's shape is planted
    "query access_token": GOOGLE_OAUTH,
    "query key": HUGGING_FACE,
    "field token": GITHUB_PAT,
    "field refresh_token": SLACK,
    "field private_key": PEM,
    "field aws_secret_access_key": AWS_SECRET,
    "header x-api-key": STRIPE,
    "header x-amz-security-token": AWS_SESSION,
    "header x-goog-api-key": GOOGLE_API,
    "header api-key": AZURE,
    "header private-token": GITLAB,
    "header x-auth-token": GITHUB_CLASSIC,
    "header x-corp-auth": ANTHROPIC,
    "cookie session": JWT,
}


def planted() -> dict[str, str]:
    """Label -> value of every credential planted, each one unique and not a substring of another."""
    values = {f"query {name}": f"q{_chars('query' + name, 20)}" for name in QUERY_NAMES}
    values |= {f"field {name}": f"f{_chars('field' + name, 20)}" for name in FIELD_NAMES}
    values |= {
        "bearer token (opaque)": "opaque-" + _chars("bearer", 24),
        "cookie theme": "c" + _chars("cookie", 20),
        "header ocp-apim-subscription-key": _chars("apim", 32),
        "env MY_SERVICE_TOKEN (not in the list)": "svc-" + _chars("svc", 20),
        "env CORP_CREDENTIAL (ini llm_scrub_env_vars)": "corp-" + _chars("corp", 20),
        "env OPENAI_API_KEY (sk-proj, also sent base64 in the prompt)": OPENAI_KEY,
        "env AWS_ACCESS_KEY_ID": AWS_ID,
        "url user info password": "pw-" + _chars("userinfo", 20),
    }
    return values | KEY_SHAPED


INNER = textwrap.dedent(
    """
    import base64, json, os
    import httpx, openai, pytest

    P = json.loads(os.environ["PLANTED"])
    QUERY = {label.split(" ", 1)[1]: v for label, v in P.items() if label.startswith("query ")}
    FIELDS = {label.split(" ", 1)[1]: v for label, v in P.items() if label.startswith("field ")}
    HEADERS = {label.split(" ", 1)[1]: v for label, v in P.items() if label.startswith("header ")}
    HEADERS["cookie"] = f"session={P['cookie session']}; theme={P['cookie theme']}"
    PROMPT = " ".join([
        "my service token", os.environ["MY_SERVICE_TOKEN"], "corp", os.environ["CORP_CREDENTIAL"],
        "aws", os.environ["AWS_ACCESS_KEY_ID"],
        "and base64", base64.b64encode(os.environ["OPENAI_API_KEY"].encode()).decode(),
    ])

    def client(api_key):
        return openai.OpenAI(base_url=os.environ["LLMREC_TEST_BASE_URL"], api_key=api_key, max_retries=0,
                             default_headers=HEADERS, default_query=QUERY)

    def chat(api_key, prompt, stream=False):
        return client(api_key).chat.completions.create(
            model="MODEL", messages=[{"role": "user", "content": prompt}], stream=stream, extra_body=FIELDS)

    @pytest.mark.llm_recording
    def test_echoed():
        answer = chat(P["bearer token (opaque)"], PROMPT).choices[0].message.content
        sent_as_is = [v for label, v in P.items() if not label.startswith(("url", "env OPENAI"))]
        assert all(value in answer for value in sent_as_is), answer
        streamed = "".join(c.choices[0].delta.content or "" for c in chat(None, PROMPT, stream=True) if c.choices)
        assert os.environ["OPENAI_API_KEY"] in streamed and os.environ["MY_SERVICE_TOKEN"] in streamed
        host = os.environ["LLMREC_TEST_BASE_URL"].split("//")[1]
        url = f"http://alice:{P['url user info password']}@{host}/echo/binary"
        binary = httpx.post(url, headers=HEADERS, params=QUERY, json={**FIELDS, "prompt": PROMPT}).content
        assert binary.startswith(b"\\x00\\xff") and P["field password"].encode() in binary

    @pytest.mark.llm_recording
    def test_changed_prompt_misses():
        chat(P["bearer token (opaque)"], PROMPT + " (changed)" if os.environ.get("CHANGED") else PROMPT)
    """
).replace("MODEL", ECHO_MODEL)


def _forms(value: str) -> list[str]:
    """The value and its base64 at each of the three byte alignments (edges trimmed)."""
    forms = [value, json.dumps(value)[1:-1]]
    for pad in (b"", b"x", b"xx"):
        encoded = base64.b64encode(pad + value.encode()).decode()
        forms.append(encoded[4 if pad else 0 : -4])
    return forms


BASE64_RUN = re.compile(r"[A-Za-z0-9+/]{16,}={0,2}")


def _layers(text: str, depth: int = 2) -> list[str]:
    """The text and what its base64 runs decode to, two levels down (base64 inside a binary body)."""
    layers = [text]
    for run in BASE64_RUN.findall(text) if depth else []:
        with contextlib.suppress(ValueError):
            layers += _layers(base64.b64decode(run + "=" * (-len(run) % 4)).decode("latin-1"), depth - 1)
    return layers


def _found(values: dict[str, str], text: str) -> list[str]:
    layers = _layers(text)
    return [
        label for label, value in values.items() if any(f in layer for f in _forms(value) for layer in layers)
    ]


def test_every_planted_credential_is_echoed_and_none_reaches_disk_or_output(
    inner, openai_server, monkeypatch, capsys
):
    values = planted()
    assert len(values) >= 44 and len(set(values.values())) == len(values)
    monkeypatch.setenv("PLANTED", json.dumps(values))
    for name, label in [
        ("MY_SERVICE_TOKEN", "env MY_SERVICE_TOKEN (not in the list)"),
        ("CORP_CREDENTIAL", "env CORP_CREDENTIAL (ini llm_scrub_env_vars)"),
        ("OPENAI_API_KEY", "env OPENAI_API_KEY (sk-proj, also sent base64 in the prompt)"),
        ("AWS_ACCESS_KEY_ID", "env AWS_ACCESS_KEY_ID"),
    ]:
        monkeypatch.setenv(name, values[label])
    inner.pytester.makeini(
        "[pytest]\nllm_scrub_env_vars = CORP_CREDENTIAL\nllm_scrub_headers = X-Corp-Auth\n"
        "llm_scrub_query_params = corp_sso\nllm_scrub_fields = corp_passphrase\n"
    )
    inner.pytester.makepyfile(test_echo=INNER)

    recorded = inner.run("--llm-record=record-missing")
    monkeypatch.setenv("CHANGED", "1")
    missed = inner.run("-k", "misses")

    recorded.assert_outcomes(passed=2)
    missed.assert_outcomes(failed=1)
    missed.stdout.fnmatch_lines(["*RecordingMissError: *POST /v1/chat/completions*no recording matches*"])
    sent = b"".join(request.path.encode() + request.body for request in openai_server.requests)
    sent += json.dumps([request.headers for request in openai_server.requests]).encode()
    assert not [label for label, value in values.items() if value.encode() not in sent and "url" not in label]
    on_disk = {path: data.decode("latin-1") for path, data in _all_files(inner.pytester.path / "recordings")}
    assert len(on_disk) == 4  # two chats, a stream, a binary body
    assert {label: sorted(str(p) for p, text in on_disk.items() if label in _found(values, text))
            for label in values} == {label: [] for label in values}  # fmt: skip
    output = "\n".join([*recorded.outlines, *recorded.errlines, *missed.outlines, *missed.errlines])
    assert _found(values, output) == []
    assert scan([inner.pytester.path / "recordings"]) == 0
    assert "4 file(s), 0 with a secret" in capsys.readouterr().out


def _all_files(root):
    return [(path, path.read_bytes()) for path in sorted(root.rglob("*")) if path.is_file()]
