"""Which values of a request and of the environment are credentials, and the labels that replace them."""

from __future__ import annotations

import base64

from pytest_llmrec.storage.credentials import (
    Credential,
    Names,
    from_environment,
    from_request,
    is_credential_query_param,
    written_forms,
)

TOKEN = "opaque-0123456789abcdef"


def test_credential_headers_give_their_values_and_the_secrets_inside_them():
    basic = base64.b64encode(b"alice:hunter2-password").decode()
    headers = [
        ("Authorization", f"Bearer {TOKEN}"),
        ("Proxy-Authorization", f"Basic {basic}"),
        ("api-key", "azure-key-0123456789"),
        ("Cookie", "session=cookie-value-0123; theme=dark"),
        ("X-Amz-Security-Token", "session-token-0123456789"),
        ("content-type", "application/json"),
        ("X-Corp-Auth", "corp-value-0123456789"),
    ]
    found = from_request("http://h/v1/x", headers, None, None, Names.extended(["x-corp-auth"], [], []))
    values = {(c.label, c.value) for c in found}
    assert ("<header authorization>", TOKEN) in values
    assert ("<header authorization>", f"Bearer {TOKEN}") in values
    assert {
        ("<header proxy-authorization>", v) for v in ("alice:hunter2-password", "hunter2-password", basic)
    } <= values
    assert ("<header api-key>", "azure-key-0123456789") in values
    assert ("<header cookie>", "cookie-value-0123") in values
    assert ("<header x-amz-security-token>", "session-token-0123456789") in values
    assert ("<header x-corp-auth>", "corp-value-0123456789") in values
    assert not [c for c in found if c.value == "application/json"]


def test_headers_as_a_mapping_with_lists_as_vcr_keeps_them():
    found = from_request("http://h/", {"x-api-key": ["k-0123456789"]}, None, None, Names())
    assert found == [Credential("<header x-api-key>", "k-0123456789")]


def test_query_values_user_info_and_body_fields_at_any_depth():
    url = "http://bob:pw-0123456789@h/v1/x?api-version=1&subscription-key=sub-0123456789&Auth=auth-0123456789"
    body = b'{"model": "m", "apiKey": "k-0123456789", "nested": [{"client_secret": "cs-0123456789"}], "n": 1}'
    found = from_request(url, [], body, "application/json", Names())
    assert {(c.label, c.value) for c in found} == {
        ("<url password>", "pw-0123456789"),
        ("<url user>", "bob"),
        ("<query subscription-key>", "sub-0123456789"),
        ("<query Auth>", "auth-0123456789"),
        ("<field apiKey>", "k-0123456789"),
        ("<field client_secret>", "cs-0123456789"),
    }


def test_form_bodies_and_configured_names():
    names = Names.extended([], ["corp_sso"], ["passphrase"])
    found = from_request(
        "http://h/token?corp_sso=sso-0123456789",
        [],
        b"grant_type=password&password=pw-0123456789&passphrase=pp-0123456789",
        "application/x-www-form-urlencoded",
        names,
    )
    assert {c.label for c in found} == {"<query corp_sso>", "<field password>", "<field passphrase>"}


def test_environment_variables_named_or_named_like_credentials():
    environ = {
        "OPENAI_API_KEY": "sk-0123456789",
        "MY_SERVICE_TOKEN": "tok-0123456789",
        "DB_PASSWORD": "pw-0123456789",
        "CLIENT_SECRET_FILE": "/etc/secret",
        "CORP_CRED": "corp-0123456789",
        "HOME": "/root",
        "MAX_TOKENS": "100",
    }
    found = from_environment(environ, ["OPENAI_API_KEY", "CORP_CRED"])
    assert [c.label for c in found] == [
        "<OPENAI_API_KEY>",
        "<CORP_CRED>",
        "<MY_SERVICE_TOKEN>",
        "<DB_PASSWORD>",
        "<CLIENT_SECRET_FILE>",
    ]


def test_names_compare_without_case_dashes_or_underscores():
    assert all(is_credential_query_param(n) for n in ("API_KEY", "api-key", "apiKey", "X-Amz-Signature"))
    assert not is_credential_query_param("api-version")
    assert is_credential_query_param("corp-sso", ["corp_sso"])


def test_a_value_is_also_looked_for_as_json_and_urls_write_it():
    assert written_forms('a/b "c"') == ['a/b "c"', 'a/b \\"c\\"', "a%2Fb%20%22c%22", "a%2Fb+%22c%22"]
