from types import SimpleNamespace

import pytest

from pytest_llmrec.jsonpath import JsonPath
from pytest_llmrec.matching import KeyOptions, body_hash_matcher, public_url, request_key

JSON = "application/json"
HEADERS = {"content-type": JSON}
URL = "https://api.openai.com/v1/chat/completions"


def key(body: bytes, url: str = URL, scope: str = "t::a", **options):
    return request_key("POST", url, JSON, body, KeyOptions(scope=scope, **options)).digest


def test_key_is_a_sha256_of_method_path_body_and_scope():
    digest = key(b'{"model": "m"}')
    assert len(digest) == 64
    assert digest == key(b'{"model":"m"}')
    assert digest != key(b'{"model": "m"}', scope="t::b")
    assert digest != key(b'{"model": "n"}')
    assert digest != request_key("GET", URL, JSON, b'{"model": "m"}', KeyOptions("t::a")).digest


def test_host_is_ignored_unless_asked():
    other = "http://127.0.0.1:8000/v1/chat/completions"
    assert key(b"{}") == key(b"{}", url=other)
    assert key(b"{}", match_host=True) != key(b"{}", url=other, match_host=True)


def test_ignored_paths_leave_the_key():
    ignore = (JsonPath.parse("metadata"),)
    assert key(b'{"m": 1, "metadata": {"a": 1}}', ignore=ignore) == key(b'{"m": 1}', ignore=ignore)
    assert key(b'{"m": 1, "metadata": {"a": 1}}') != key(b'{"m": 1}')


def test_query_order_matters_not_and_credentials_leave_the_key():
    a = key(b"{}", url=URL + "?api-version=2024-06-01&key=secret1")
    b = key(b"{}", url=URL + "?key=secret2&api-version=2024-06-01")
    assert a == b
    assert a != key(b"{}", url=URL + "?api-version=2025-01-01")


def test_public_url_drops_credentials():
    url = "https://user:pw@example.com/v1/x?api-version=1&key=sk-abc&sig=zz"
    assert public_url(url) == "https://example.com/v1/x?api-version=1"


def test_vcr_body_hash_matcher():
    matcher = body_hash_matcher(ignore=["metadata"])
    r1 = SimpleNamespace(body=b'{"a": 1, "metadata": 1}', headers=HEADERS)
    r2 = SimpleNamespace(body=b'{"a":1}', headers=HEADERS)
    r3 = SimpleNamespace(body=b'{"a":2}', headers=HEADERS)
    matcher(r1, r2)
    with pytest.raises(AssertionError, match="normalised bodies differ"):
        matcher(r1, r3)


def test_the_matcher_plugs_into_plain_vcrpy(tmp_path, openai_server):
    """Users of VCR.py alone can match on normalised bodies too."""
    import openai
    import vcr

    my_vcr = vcr.VCR(match_on=["method", "path", "llm_body"], record_mode="once")
    my_vcr.register_matcher("llm_body", body_hash_matcher(ignore=["user"]))
    client = openai.OpenAI(base_url=openai_server.base_url, api_key="sk-test", max_retries=0)
    cassette = str(tmp_path / "cassette.yaml")
    messages = [{"role": "user", "content": "hi"}]
    with my_vcr.use_cassette(cassette):
        live = client.chat.completions.create(model="m", messages=messages, user="alice")
    with my_vcr.use_cassette(cassette) as played:
        replayed = client.chat.completions.create(model="m", messages=messages, user="bob")
    assert played.play_count == 1
    assert replayed.id == live.id
    assert len(openai_server.requests) == 1


def test_aws_presigned_url_credentials_never_reach_a_recording():
    url = "https://bucket.s3.amazonaws.com/a.wav?X-Amz-Credential=AKIA&X-Amz-Signature=abc&X-Amz-Security-Token=t&v=1"
    assert public_url(url) == "https://bucket.s3.amazonaws.com/a.wav?v=1"


def test_the_issue_9_query_names_and_configured_ones_never_reach_the_key_or_the_url():
    leaked = "subscription-key=a&access-token=b&auth=c&client_secret=d&password=e&corp_sso=f"
    url = f"https://example.com/v1/x?api-version=1&{leaked}"
    options = KeyOptions("t", credential_params=("corp_sso",))
    assert public_url(url, ("corp_sso",)) == "https://example.com/v1/x?api-version=1"
    assert request_key("GET", url, None, None, options) == request_key(
        "GET", "https://example.com/v1/x?api-version=1", None, None, options
    )
    assert "corp_sso=f" in public_url(url)  # not a credential unless configured
