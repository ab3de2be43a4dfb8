"""Key shapes: each vendor recognised and named, plain, in base64 and gzipped; ordinary strings are not keys."""

from __future__ import annotations

import base64
import gzip
import hashlib
import uuid

import pytest

from pytest_llmrec.plugin import PLACEHOLDER_KEY
from pytest_llmrec.storage.key_shapes import SHAPES, Hit, find, find_in_bytes, mask

A = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ"
SAMPLES = [  # (value, vendor), built by concatenation so that no tracked file holds a key
    ("sk-" + A, "an OpenAI key"),
    ("sk-" + "proj-" + A, "an OpenAI key"),
    ("sk-" + "svcacct-" + A, "an OpenAI key"),
    ("sk-" + "admin-" + A, "an OpenAI key"),
    ("sk-" + "ant-api03-" + A, "an Anthropic key"),
    ("AK" + "IAABCDEFGHIJKLMNOP", "an AWS access key id"),
    ("AS" + "IAABCDEFGHIJKLMNOP", "an AWS access key id"),
    ("aws_secret_access_key = " + A[:40], "an AWS secret access key"),
    ('"AWS_SECRET_ACCESS_KEY": "' + A[:40] + '"', "an AWS secret access key"),
    ("IQoJb3JpZ2luX2Vj" + A * 2, "an AWS session token"),
    ("AI" + "za" + A[:35], "a Google API key"),
    ("ya" + "29." + A, "a Google OAuth token"),
    ("api-key: " + hashlib.md5(b"azure").hexdigest(), "an Azure key"),
    ("AccountKey=" + "a" * 86 + "==", "an Azure storage key"),
    ("h" + "f_" + A[:34], "a Hugging Face token"),
    ("gh" + "p_" + A[:36], "a GitHub token"),
    ("gh" + "s_" + A[:36], "a GitHub token"),
    ("github" + "_pat_" + A, "a GitHub token"),
    ("gl" + "pat-" + A[:20], "a GitLab token"),
    ("xo" + "xb-" + A[:20], "a Slack token"),
    ("sk_" + "live_" + A[:24], "a Stripe secret key"),
    ("rk_" + "live_" + A[:24], "a Stripe secret key"),
    ("eyJ" + "hbGciOiJIUzI1NiJ9.eyJ" + "zdWIiOiIxIn0.abcdefghijkl", "a JSON Web Token"),
    ("-----BEGIN " + "PRIVATE KEY-----", "a PEM private key"),
    ("-----BEGIN " + "OPENSSH PRIVATE KEY-----", "a PEM private key"),
]


@pytest.mark.parametrize(("value", "vendor"), SAMPLES)
def test_each_vendor_is_recognised_in_text_in_base64_and_gzipped(value, vendor):
    assert find(f"here it is: {value} (end)") == Hit(vendor)
    assert find("data " + base64.b64encode(value.encode()).decode()) == Hit(vendor, "base64")
    assert find(base64.urlsafe_b64encode(b"'" + value.encode()).decode().rstrip("=")) == Hit(vendor, "base64")
    gzipped = gzip.compress(value.encode())
    assert find(base64.b64encode(gzipped).decode()) == Hit(vendor, "base64+gzip")
    assert find_in_bytes(b"\x00\xff" + value.encode()) == Hit(vendor)
    assert find_in_bytes(gzipped) == Hit(vendor, "gzip")


def test_every_vendor_has_a_sample():
    assert {vendor for _, vendor in SAMPLES} == set(SHAPES)


@pytest.mark.parametrize(
    "text",
    [
        "task-abcdefghijklmnopqrstuvwxyz0123",  # "sk-" inside a word
        "rec-0123456789ab-2",
        hashlib.sha256(b"x").hexdigest(),
        str(uuid.UUID(int=0x1234_5678_9ABC_DEF0_1234_5678_9ABC_DEF0)),
        base64.b64encode(bytes(range(256))).decode(),
        "chatcmpl-AbCdEfGhIjKlMnOpQrStUvWxYz012345",
        "The Latin name of the Sun is Sol.",
        "sk-short",
        "aws_secret_access_key = <AWS_SECRET_ACCESS_KEY>",
    ],
)
def test_ordinary_strings_are_not_keys(text):
    assert find(text) is None


def test_mask_names_the_vendor_in_place_of_the_key():
    assert (
        mask(f"key {SAMPLES[1][0]} and {SAMPLES[20][0]}.") == "key <an OpenAI key> and <a Stripe secret key>."
    )


def test_the_plugins_own_replay_placeholder_is_not_a_key():
    assert find(f"key={PLACEHOLDER_KEY}") is None and mask(PLACEHOLDER_KEY) == PLACEHOLDER_KEY
