"""What a vcr-marked test records under pytest-llmrec: native files beside the cassette, shaped first by
VCR.py's ``filter_*`` and ``before_record_*`` options, then scrubbed; ``rewrite`` hands over from the
YAML cassette only when the test passed.
"""

from __future__ import annotations

import json
import textwrap

import pytest

from e2e.dropin_suite import SKIP_IF_PYTEST_RECORDING, DropinSuite, ask, record
from fakes.inner_suite import InnerSuite
from fakes.llm_server import OpenAICompatibleServer

pytestmark = SKIP_IF_PYTEST_RECORDING

KEY = "sk-" + "live-value-0123456789abcdef"  # built at run time: llmrec scan . finds no key shape


@pytest.fixture
def live(inner: InnerSuite) -> DropinSuite:
    return DropinSuite.of(inner, sockets=True)


def test_new_recordings_are_native_files_beside_the_cassette_and_replay(
    live: DropinSuite, openai_server: OpenAICompatibleServer
) -> None:
    live.pytester.makeconftest(
        "import pytest\n\n@pytest.fixture(scope='module')\ndef vcr_config():\n"
        "    return {'filter_headers': ['x-team-token']}\n"
    )
    live.module(
        "test_new",
        """
        @pytest.mark.vcr
        def test_first(vcr):
            assert ask("new", **{"X-Team-Token": "team-secret-value"}) == "Echo: new"
            assert len(vcr.requests) == 1
        """,
    )
    live.run("--record-mode=once").assert_outcomes(passed=1)
    (native,) = live.natives("test_new", "test_first")
    assert not list(native.parent.parent.glob("*.yaml"))  # no cassette is written
    document = json.loads(native.read_text())
    assert document["request"]["url"].endswith("/v1/chat/completions")
    assert document["response"]["body"]["__data__"]["choices"][0]["message"]["content"] == "Echo: new"
    assert "team-secret-value" not in native.read_text()

    live.forbid_sockets()
    live.run("--record-mode=none", "--block-network").assert_outcomes(passed=1)


HOOKS = textwrap.dedent(
    """
    import json, os, pathlib
    import pytest

    def seen(name, value):
        out = pathlib.Path(os.environ["LLMREC_TEST_OUT"])
        out.mkdir(exist_ok=True)
        (out / f"{name}.json").write_text(json.dumps(value))

    def before_request(request):
        if request.path.endswith("/embeddings"):
            return None  # dropped: neither recorded nor a miss
        seen("authorization", request.headers.get("Authorization"))
        return request

    def before_response(response):
        body = response["body"]["string"]
        seen("raw_key_in_body", KEY.encode() in body)
        response["body"]["string"] = body.replace(KEY.encode(), b"[hook-redacted]").replace(b"gpt-4o-mini", b"m-x")
        return response

    @pytest.fixture(scope="session")
    def vcr_config():
        return {
            "filter_headers": ["x-team-token"],
            "filter_query_parameters": ["user_token"],
            "filter_post_data_parameters": ["session_secret"],
            "before_record_request": before_request,
            "before_record_response": before_response,
        }
    """
).replace("KEY", repr(KEY))


def test_filters_and_hooks_shape_native_recordings_before_our_scrubbing(
    live: DropinSuite, openai_server: OpenAICompatibleServer
) -> None:
    live.pytester.makeconftest(HOOKS)
    live.module(
        "test_hooks",
        f"""
        @pytest.mark.vcr
        def test_hooks():
            headers = {{"Authorization": "Bearer {KEY}", "X-Team-Token": "team-secret-value"}}
            requests.get(BASE + "/models?user_token=tok-9f8e7d&limit=1", headers=headers)
            requests.post(BASE + "/chat/completions", headers=headers, json={{
                "model": "gpt-4o-mini", "session_secret": "ss-41f0",
                "messages": [{{"role": "user", "content": "my key is {KEY}"}}],
            }})
            requests.post(BASE + "/embeddings", json={{"model": "m", "input": "x"}})
        """,
    )
    live.run("--record-mode=new_episodes").assert_outcomes(passed=1)
    assert len(openai_server.requests) == 3  # all sent, two recorded
    natives = live.natives("test_hooks", "test_hooks")
    assert len(natives) == 2
    text = "\n".join(path.read_text() for path in natives)
    for filtered in (
        "team-secret-value",
        "x-team-token",
        "tok-9f8e7d",
        "user_token",
        "ss-41f0",
        "session_secret",
    ):
        assert filtered not in text.lower()
    assert "limit=1" in text
    (chat,) = [json.loads(path.read_text()) for path in natives if "chat" in path.read_text()]
    answer = chat["response"]["body"]["__data__"]
    assert answer["model"] == "m-x"  # before_record_response's
    assert answer["choices"][0]["message"]["content"] == "Echo: my key is [hook-redacted]"
    assert KEY not in text
    # The hooks saw the request and the response before pytest-llmrec scrubbed them.
    assert live.results() == {"authorization": f"Bearer {KEY}", "raw_key_in_body": True}


@pytest.mark.parametrize(
    ("passes", "record_on_exception", "natives"),
    [(True, True, 1), (False, True, 1), (False, False, 0)],
    ids=["passed", "failed", "failed-record_on_exception-off"],
)
def test_rewrite_replaces_the_cassette_only_when_the_test_passed(
    live: DropinSuite,
    openai_server: OpenAICompatibleServer,
    passes: bool,
    record_on_exception: bool,
    natives: int,
) -> None:
    cassette = live.cassette("test_rw", "test_rw.yaml")
    record(cassette, lambda: ask(openai_server, "again"))
    live.module(
        "test_rw",
        f"""
        @pytest.mark.vcr(record_on_exception={record_on_exception})
        def test_rw():
            assert ask("again") == "Echo: again"
            assert {passes}
        """,
    )
    live.run("--record-mode=rewrite")
    assert cassette.is_file() is not passes  # a failing test keeps its cassette
    assert len(live.natives("test_rw", "test_rw")) == natives  # VCR.py's record_on_exception
    if passes:  # the native files replay on the next run, the cassette gone
        live.forbid_sockets()
        live.run("--record-mode=none", "--block-network").assert_outcomes(passed=1)


@pytest.mark.parametrize(("mode", "requests"), [("rewrite", 1), ("all", 2)])
def test_the_vcr_fixture_holds_what_pytest_recording_would_load(
    live: DropinSuite, openai_server: OpenAICompatibleServer, mode: str, requests: int
) -> None:
    """rewrite deletes the cassette first in pytest-recording, so only this run's traffic is there;
    VCR.py's ``all`` loads the cassette and appends to it."""
    record(live.cassette("test_fx", "test_fx.yaml"), lambda: ask(openai_server, "again"))
    live.module(
        "test_fx",
        f"""
        @pytest.mark.vcr
        def test_fx(vcr):
            assert ask("again") == "Echo: again"
            assert len(vcr.requests) == {requests}
            assert vcr.responses[-1]["status"]["code"] == 200
        """,
    )
    live.run(f"--record-mode={mode}").assert_outcomes(passed=1)


def test_record_on_exception_off_records_nothing_for_a_failing_test(
    live: DropinSuite, openai_server: OpenAICompatibleServer
) -> None:
    live.module(
        "test_fail",
        """
        @pytest.mark.vcr(record_on_exception=False)
        def test_fails():
            ask("lost")
            raise RuntimeError("the test failed")

        @pytest.mark.vcr
        def test_fails_but_records():
            ask("kept")
            raise RuntimeError("the test failed")
        """,
    )
    live.run("--record-mode=new_episodes").assert_outcomes(failed=2)
    assert live.natives("test_fail", "test_fails") == []
    assert len(live.natives("test_fail", "test_fails_but_records")) == 1
