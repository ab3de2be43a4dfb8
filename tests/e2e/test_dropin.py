"""pytest-recording's surface, served when pytest-recording is not installed: a suite written for it runs.

Cassettes here are recorded for real by VCR.py (``vcr.use_cassette`` around the openai SDK and
``requests``, against the loopback OpenAI server), then replayed by an inner pytest run that has
pytest-llmrec and no pytest-recording, with sockets forbidden.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path

import openai
import pytest
import requests
import vcr as vcrpy

from fakes.inner_suite import NO_SOCKETS, InnerSuite
from fakes.llm_server import OpenAICompatibleServer

pytestmark = pytest.mark.skipif(
    __import__("importlib").util.find_spec("pytest_recording") is not None,
    reason="pytest-recording is installed: it serves these names itself",
)

HEAD = textwrap.dedent(
    """
    import os, openai, pytest, requests

    BASE = os.environ["LLMREC_TEST_BASE_URL"]

    def ask(text, **headers):
        client = openai.OpenAI(base_url=BASE, api_key="sk-test", max_retries=0, default_headers=headers)
        return client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": text}]
        ).choices[0].message.content
    """
)


def ask(server: OpenAICompatibleServer, text: str) -> str:
    client = openai.OpenAI(base_url=server.base_url, api_key="sk-test", max_retries=0)
    answer = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": text}])
    return str(answer.choices[0].message.content)


def record(path: Path, calls: Callable[[], object], **options: object) -> None:
    """A cassette as VCR.py writes it, around real calls to the loopback server."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with vcrpy.VCR(record_mode="all", **options).use_cassette(str(path)):  # type: ignore[arg-type]
        calls()
    assert path.is_file()


@pytest.fixture
def suite(inner: InnerSuite) -> InnerSuite:
    inner.forbid_sockets()
    return inner


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_markers_are_registered_for_strict_markers(suite: InnerSuite) -> None:
    suite.pytester.makepyfile(
        test_marks=HEAD
        + textwrap.dedent(
            """
            @pytest.mark.block_network(allowed_hosts=["127.0.0.1"])
            @pytest.mark.default_cassette("other")
            @pytest.mark.allowed_hosts(["127.0.0.1"])
            def test_marked():
                pass
            """
        )
    )
    suite.run("--strict-markers").assert_outcomes(passed=1)
    listed = suite.run("--markers").stdout.str()
    for name in ("@pytest.mark.vcr(", "@pytest.mark.block_network(", "@pytest.mark.default_cassette("):
        assert name in listed


def test_a_vcrpy_cassette_replays_offline_and_the_vcr_fixture_counts_plays(
    suite: InnerSuite, openai_server: OpenAICompatibleServer
) -> None:
    cassette = suite.pytester.path / "cassettes" / "test_chat" / "test_ask.yaml"
    record(cassette, lambda: ask(openai_server, "hello"))
    expected = ask(openai_server, "hello")
    suite.pytester.makepyfile(
        test_chat=HEAD
        + textwrap.dedent(
            f"""
            @pytest.mark.vcr
            def test_ask(vcr):
                assert ask("hello") == {expected!r}
                assert vcr.play_count == 1 and vcr.all_played
                assert [r.path for r in vcr.requests] == ["/v1/chat/completions"]
                assert vcr.responses[0]["status"]["code"] == 200
                assert len(vcr.data) == 1
            """
        )
    )
    before = files(suite.pytester.path / "cassettes")

    result = suite.run("--record-mode=none", "--block-network", "--strict-markers")

    result.assert_outcomes(passed=1)
    assert files(suite.pytester.path / "cassettes") == before  # read only, nothing written beside it


def test_cassette_paths_are_pytest_recordings(
    suite: InnerSuite, openai_server: OpenAICompatibleServer
) -> None:
    """Module folder, class prefix, parametrize ids with forbidden characters replaced, an extra
    cassette, the default_cassette marker and a vcr_cassette_dir override."""
    folder = suite.pytester.path / "cassettes" / "test_paths"
    record(folder / "TestChat.test_in_class.yaml", lambda: ask(openai_server, "class"))
    record(folder / "test_ids[a-b-c].yaml", lambda: ask(openai_server, "a/b:c"))
    record(folder / "shared.yaml", lambda: ask(openai_server, "shared"))
    record(folder / "named.yaml", lambda: ask(openai_server, "named"))
    record(suite.pytester.path / "elsewhere" / "test_moved.yaml", lambda: ask(openai_server, "moved"))
    suite.pytester.makepyfile(
        test_paths=HEAD
        + textwrap.dedent(
            """
            class TestChat:
                @pytest.mark.vcr
                def test_in_class(self):
                    assert ask("class") == "Echo: class"

            @pytest.mark.vcr
            @pytest.mark.parametrize("text", ["a/b:c"], ids=["a/b:c"])
            def test_ids(text):
                assert ask(text) == "Echo: a/b:c"

            @pytest.mark.vcr("shared.yaml")
            def test_extra():
                assert ask("shared") == "Echo: shared"

            @pytest.mark.vcr
            @pytest.mark.default_cassette("named")
            def test_default_cassette():
                assert ask("named") == "Echo: named"
            """
        )
    )
    suite.pytester.makepyfile(
        test_moved=HEAD
        + textwrap.dedent(
            """
            @pytest.fixture(scope="module")
            def vcr_cassette_dir(request):
                return os.path.join(os.path.dirname(request.node.path), "elsewhere")

            @pytest.mark.vcr
            def test_moved():
                assert ask("moved") == "Echo: moved"
            """
        )
    )
    suite.run("--record-mode=none", "--block-network").assert_outcomes(passed=5)


def test_new_recordings_are_native_files_beside_the_cassette_and_replay(
    inner: InnerSuite, openai_server: OpenAICompatibleServer
) -> None:
    inner.pytester.makepyfile(
        test_new=HEAD
        + textwrap.dedent(
            """
            @pytest.mark.vcr
            def test_first(vcr):
                assert ask("new", **{"X-Team-Token": "team-secret-value"}) == "Echo: new"
                assert len(vcr.requests) == 1
            """
        )
    )
    inner.pytester.makeconftest(
        "import pytest\n\n@pytest.fixture(scope='module')\ndef vcr_config():\n"
        "    return {'filter_headers': ['x-team-token']}\n"
    )
    inner.run("--record-mode=once").assert_outcomes(passed=1)
    folder = inner.pytester.path / "cassettes" / "test_new"
    (native,) = (folder / "test_first").glob("*.json")
    assert not list(folder.glob("*.yaml"))  # no cassette is written
    text = native.read_text()
    assert "team-secret-value" not in text and "x-team-token" not in text.lower()  # filtered first
    assert json.loads(text)["request"]["url"].endswith("/v1/chat/completions")

    inner.forbid_sockets()
    result = inner.run("--record-mode=none", "--block-network")
    result.assert_outcomes(passed=1)  # `once` with recordings replays


@pytest.mark.parametrize(
    ("passes", "record_on_exception", "natives"),
    [(True, True, 1), (False, True, 1), (False, False, 0)],
    ids=["passed", "failed", "failed-record_on_exception-off"],
)
def test_rewrite_replaces_the_cassette_only_when_the_test_passed(
    inner: InnerSuite,
    openai_server: OpenAICompatibleServer,
    passes: bool,
    record_on_exception: bool,
    natives: int,
) -> None:
    cassette = inner.pytester.path / "cassettes" / "test_rw" / "test_rw.yaml"
    record(cassette, lambda: ask(openai_server, "again"))
    inner.pytester.makepyfile(
        test_rw=HEAD
        + f"\n@pytest.mark.vcr(record_on_exception={record_on_exception})\n"
        + f"def test_rw():\n    assert ask('again')\n    assert {passes}\n"
    )
    inner.run("--record-mode=rewrite")
    assert cassette.is_file() is not passes  # a failing test keeps its cassette
    assert len(list((cassette.parent / "test_rw").glob("*.json"))) == natives  # VCR.py's record_on_exception


def test_record_mode_in_vcr_config_beats_the_command_line(
    suite: InnerSuite, openai_server: OpenAICompatibleServer
) -> None:
    suite.pytester.makeconftest(
        NO_SOCKETS + "\n@pytest.fixture\ndef vcr_config():\n    return {'record_mode': 'none'}\n"
    )
    suite.pytester.makepyfile(
        test_cfg=HEAD + "\n@pytest.mark.vcr\ndef test_cfg():\n    ask('never recorded')\n"
    )
    result = suite.run("--record-mode=new_episodes")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*no recording matches this request (mode 'replay')*"])


def test_a_miss_lists_the_cassettes_interactions_and_the_matchers_they_fail(
    suite: InnerSuite, openai_server: OpenAICompatibleServer
) -> None:
    cassette = suite.pytester.path / "cassettes" / "test_miss" / "test_miss.yaml"
    record(cassette, lambda: requests.get(openai_server.base_url + "/models?limit=1", timeout=5))
    suite.pytester.makepyfile(
        test_miss=HEAD
        + "\n@pytest.mark.vcr\ndef test_miss():\n    requests.get(BASE + '/models?limit=2', timeout=5)\n"
    )
    result = suite.run("--record-mode=none")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*test_miss.yaml#1*", "*match_on fails: query*"])


def test_custom_matchers_registered_in_the_hook_and_unknown_ones_named(
    suite: InnerSuite, openai_server: OpenAICompatibleServer
) -> None:
    cassette = suite.pytester.path / "cassettes" / "test_match" / "test_custom.yaml"
    # Recorded with another body: only the custom matcher (the model field) can match it.
    record(cassette, lambda: ask(openai_server, "recorded question"))
    suite.pytester.makeconftest(
        NO_SOCKETS
        + textwrap.dedent(
            """
            import json

            def same_model(r1, r2):
                assert json.loads(r1.body)["model"] == json.loads(r2.body)["model"]

            def pytest_recording_configure(config, vcr):
                vcr.register_matcher("model", same_model)
            """
        )
    )
    suite.pytester.makepyfile(
        test_match=HEAD
        + textwrap.dedent(
            """
            @pytest.mark.vcr(match_on=["method", "path", "model"])
            def test_custom():
                assert ask("another question") == "Echo: recorded question"

            @pytest.mark.vcr(match_on=["method", "nonesuch"])
            def test_unknown():
                pass
            """
        )
    )
    result = suite.run("--record-mode=none")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*nonesuch*register it in pytest_recording_configure*"])


def test_an_unknown_vcr_config_key_warns_once_with_a_suggestion(suite: InnerSuite) -> None:
    suite.pytester.makeconftest(
        NO_SOCKETS + "\n@pytest.fixture\ndef vcr_config():\n    return {'filter_header': ['authorization']}\n"
    )
    suite.pytester.makepyfile(
        test_cfg="import pytest\n\n@pytest.mark.vcr\ndef test_a():\n    pass\n\n"
        "@pytest.mark.vcr\ndef test_b():\n    pass\n"
    )
    result = suite.run("--record-mode=none", "-W", "default::pytest_llmrec.errors.RecordingWarning")
    result.assert_outcomes(passed=2)
    out = result.stdout.str()
    assert out.count("unknown vcr_config key 'filter_header' is ignored") == 1
    assert "did you mean 'filter_headers'" in out


def test_block_network_refuses_unmarked_tests_and_allowed_hosts_let_through(
    inner: InnerSuite, openai_server: OpenAICompatibleServer
) -> None:
    inner.pytester.makepyfile(
        test_net=HEAD
        + textwrap.dedent(
            """
            def test_unmarked():
                requests.get(BASE + "/models", timeout=5)

            @pytest.mark.block_network
            def test_marked():
                requests.get(BASE + "/models", timeout=5)
            """
        )
    )
    refused = inner.run("--block-network")
    refused.assert_outcomes(failed=2)
    inner.run("-k", "unmarked").assert_outcomes(passed=1)  # no blocking without the option or marker
    inner.run("--block-network", "--allowed-hosts=127.0.0.1").assert_outcomes(passed=2)


def test_disable_recording_runs_vcr_tests_as_if_unmarked(
    inner: InnerSuite, openai_server: OpenAICompatibleServer
) -> None:
    inner.pytester.makepyfile(
        test_off=HEAD
        + "\n@pytest.mark.vcr\ndef test_off(vcr):\n    assert vcr is None\n    assert ask('live')\n"
    )
    for flag in ("--disable-recording", "--disable-vcr"):
        inner.run(flag).assert_outcomes(passed=1)
    assert not (inner.pytester.path / "cassettes").exists()


def test_allow_playback_repeats(suite: InnerSuite, openai_server: OpenAICompatibleServer) -> None:
    cassette = suite.pytester.path / "cassettes" / "test_repeat" / "test_twice.yaml"
    record(cassette, lambda: ask(openai_server, "twice"))
    suite.pytester.makepyfile(
        test_repeat=HEAD
        + textwrap.dedent(
            """
            @pytest.mark.vcr(allow_playback_repeats=True)
            def test_twice(vcr):
                assert ask("twice") == ask("twice") == "Echo: twice"
                assert vcr.play_count == 2
            """
        )
    )
    suite.run("--record-mode=none").assert_outcomes(passed=1)
    suite.pytester.makepyfile(
        test_repeat=HEAD + '\n@pytest.mark.vcr\ndef test_twice():\n    ask("twice")\n    ask("twice")\n'
    )
    result = suite.run("--record-mode=none")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*played already (allow_playback_repeats is off)*"])


def test_filters_and_hooks_shape_what_is_recorded(
    inner: InnerSuite, openai_server: OpenAICompatibleServer
) -> None:
    inner.pytester.makeconftest(
        textwrap.dedent(
            """
            import pytest

            def redact(response):
                body = response["body"]["string"]
                response["body"]["string"] = body.replace(b"gpt-4o-mini", b"redacted-model")
                return response

            def skip_embeddings(request):
                return None if request.path.endswith("/embeddings") else request

            @pytest.fixture(scope="session")
            def vcr_config():
                return {
                    "filter_query_parameters": ["user_token"],
                    "before_record_request": skip_embeddings,
                    "before_record_response": redact,
                }
            """
        )
    )
    inner.pytester.makepyfile(
        test_hooks=HEAD
        + textwrap.dedent(
            """
            @pytest.mark.vcr
            def test_hooks():
                requests.get(BASE + "/models?user_token=tok-9f8e7d", timeout=5)
                requests.post(BASE + "/embeddings", json={"model": "m", "input": "x"}, timeout=5)
            """
        )
    )
    inner.run("--record-mode=new_episodes").assert_outcomes(passed=1)
    (native,) = (inner.pytester.path / "cassettes" / "test_hooks" / "test_hooks").glob(
        "*.json"
    )  # no embeddings
    text = native.read_text()
    assert "tok-9f8e7d" not in text and "user_token" not in text
    assert "redacted-model" in text and "gpt-4o-mini" not in text


def test_pytest_vcr_spellings(suite: InnerSuite, openai_server: OpenAICompatibleServer) -> None:
    record(suite.pytester.path / "cassettes" / "test_pv" / "custom.yaml", lambda: ask(openai_server, "pv"))
    suite.pytester.makepyfile(
        test_pv=HEAD
        + textwrap.dedent(
            """
            @pytest.fixture
            def vcr_cassette_name():
                return "custom"

            @pytest.mark.vcr
            def test_pv():
                assert ask("pv") == "Echo: pv"
            """
        )
    )
    suite.run("--vcr-record=none").assert_outcomes(passed=1)


def test_when_pytest_recording_is_loaded_its_names_are_left_to_it(pytester: pytest.Pytester) -> None:
    pytester.syspathinsert()
    pytester.makepyfile(recording="def pytest_configure(config):\n    pass\n")  # stands for pytest-recording
    pytester.makepyfile(test_x="def test_x():\n    pass\n")
    result = pytester.runpytest("-p", "recording", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["llmrec: pytest-recording is loaded and handles @pytest.mark.vcr*"])
    assert "--record-mode" not in pytester.runpytest("-p", "recording", "--help").stdout.str()
