"""The plugin's surface: options, ini, environment, marker placement and fixtures, end to end."""

from __future__ import annotations

import textwrap

import pytest

from fakes.inner_suite import InnerSuite

# A test that prints the mode and scope it ran with; MARK is replaced by each test's marker.
PROBE = textwrap.dedent(
    """
    import os
    import openai, pytest

    def ask():
        c = openai.OpenAI(base_url=os.environ["LLMREC_TEST_BASE_URL"], api_key="sk-test", max_retries=0)
        return c.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])

    MARK

    def test_probe(llm_recorder):
        ask()
        print(f"MODE={llm_recorder.mode} SCOPE={llm_recorder.scope} SENT={len(llm_recorder.sent)}")
    """
)


def probe(inner: InnerSuite, mark: str = "@pytest.mark.llm_recording") -> None:
    inner.pytester.makepyfile(test_probe=PROBE.replace("MARK", mark))


def mode_seen(result: pytest.RunResult) -> str:
    for line in result.outlines:
        if "MODE=" in line:
            return line.split("MODE=")[1].split()[0]
    raise AssertionError("the probe did not run:\n" + result.stdout.str())


def test_precedence_cli_marker_fixture_ini(inner):
    probe(inner, '@pytest.mark.llm_recording(mode="live")')
    inner.pytester.makeini("[pytest]\nllm_record_mode = rewrite\n")
    inner.pytester.makeconftest(
        "import pytest\n@pytest.fixture(scope='module')\ndef llm_recording_config():\n    return {'mode': 'record-missing'}\n"
    )
    assert mode_seen(inner.run("-s")) == "live"  # marker beats fixture and ini
    assert mode_seen(inner.run("-s", "--llm-record=rewrite")) == "rewrite"  # command line beats marker

    probe(inner)
    assert mode_seen(inner.run("-s")) == "record-missing"  # fixture beats ini
    (inner.pytester.path / "conftest.py").unlink()
    assert mode_seen(inner.run("-s")) == "rewrite"  # ini beats the default


def test_environment_variable_sets_the_mode_and_the_command_line_beats_it(inner, monkeypatch):
    probe(inner, '@pytest.mark.llm_recording(mode="replay")')
    monkeypatch.setenv("LLMREC_RECORD_MODE", "all")
    assert mode_seen(inner.run("-s")) == "rewrite"
    assert mode_seen(inner.run("-s", "--llm-record=live")) == "live"


def test_invalid_mode_on_the_command_line_is_a_usage_error_listing_the_modes(inner):
    probe(inner)
    result = inner.run("--llm-record=sometimes")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "*argument --llm-record: unknown recording mode 'sometimes' in --llm-record; valid modes: replay, "
            "record-missing, rewrite, live*"
        ]
    )


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("env", "*unknown recording mode 'sometimes' in environment variable LLMREC_RECORD_MODE*"),
        ("ini", "*unknown recording mode 'sometimes' in ini option llm_record_mode*"),
    ],
)
def test_invalid_mode_in_env_or_ini_is_a_usage_error(inner, monkeypatch, setting, message):
    probe(inner)
    if setting == "env":
        monkeypatch.setenv("LLMREC_RECORD_MODE", "sometimes")
    else:
        inner.pytester.makeini("[pytest]\nllm_record_mode = sometimes\n")
    result = inner.run()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


def test_misspelt_marker_keyword_stops_the_run_before_any_test(inner, openai_server):
    probe(inner, '@pytest.mark.llm_recording(mdoe="live")')
    result = inner.run()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "*test_probe.py::test_probe: unknown keyword 'mdoe' in @pytest.mark.llm_recording (did you mean 'mode'?)*"
        ]
    )
    assert openai_server.requests == []


def test_strict_markers_accepts_the_marker_and_help_lists_the_options(inner):
    probe(inner)
    inner.run("--strict-markers", "--llm-record=record-missing").assert_outcomes(passed=1)
    help_text = inner.pytester.runpytest("--help").stdout.str()
    assert "--llm-record=MODE" in help_text and "--llm-recordings-dir=PATH" in help_text
    assert "llm_record_mode" in help_text


@pytest.mark.parametrize(
    "placement",
    [
        "pytestmark = pytest.mark.llm_recording(mode='record-missing')",
        "@pytest.mark.llm_recording(mode='record-missing')\nclass TestGroup:\n    def test_in_class(self):\n        ask()",
    ],
    ids=["module", "class"],
)
def test_marker_on_modules_and_classes(inner, openai_server, placement):
    inner.pytester.makepyfile(
        test_placed=PROBE.split("MARK")[0] + placement + "\n\ndef test_plain():\n    ask()\n"
    )
    result = inner.run()
    if "pytestmark" in placement:  # test_plain is marked through the module
        result.assert_outcomes(passed=1)
        assert [p.parts[:2] for p in inner.recordings()] == [("test_placed", "test_plain")]
    else:  # only the class's test is marked; test_plain goes to the server unrecorded
        result.assert_outcomes(passed=2)
        assert [p.parts[:3] for p in inner.recordings()] == [("test_placed", "TestGroup", "test_in_class")]
    assert len(openai_server.requests) == (1 if "pytestmark" in placement else 2)


def test_name_shares_recordings_between_tests_and_recordings_dir_moves_them(inner, openai_server):
    inner.pytester.makepyfile(
        test_shared=PROBE.split("MARK")[0]
        + textwrap.dedent(
            """
            @pytest.mark.llm_recording(name="weather", recordings_dir="cassettes")
            def test_first():
                ask()

            @pytest.mark.llm_recording(name="weather", recordings_dir="cassettes")
            def test_second(llm_recorder):
                ask()
                assert llm_recorder.replayed and not llm_recorder.sent
            """
        )
    )
    inner.run("--llm-record=record-missing").assert_outcomes(passed=2)
    files = list((inner.pytester.path / "cassettes" / "weather").glob("*.json"))
    assert len(files) == 1
    assert len(openai_server.requests) == 1  # the second test replayed the first one's recording


def test_recordings_dir_option_is_relative_to_where_pytest_runs(inner, openai_server):
    probe(inner)
    inner.run("--llm-record=record-missing", "--llm-recordings-dir=elsewhere").assert_outcomes(passed=1)
    assert len(list((inner.pytester.path / "elsewhere").rglob("*.json"))) == 1
    assert not (inner.pytester.path / "recordings").exists()


def test_llm_recorder_fixture_reports_what_happened(inner, openai_server):
    inner.pytester.makepyfile(
        test_log=PROBE.split("MARK")[0]
        + textwrap.dedent(
            """
            def test_log(llm_recorder):
                ask(); ask()
                assert llm_recorder.mode == os.environ["EXPECTED_MODE"]
                if llm_recorder.mode == "replay":
                    assert [e.occurrence for e in llm_recorder.replayed] == [1, 2]
                    assert llm_recorder.sent == [] and llm_recorder.recorded == []
                else:
                    assert len(llm_recorder.sent) == len(llm_recorder.recorded) == 2
                    assert llm_recorder.replayed == []
                    assert llm_recorder.sent[0].url.endswith("/v1/chat/completions")
            """
        )
    )
    with pytest.MonkeyPatch.context() as env:
        env.setenv("EXPECTED_MODE", "record-missing")
        inner.run("--llm-record=record-missing").assert_outcomes(passed=1)
        env.setenv("EXPECTED_MODE", "replay")
        inner.run().assert_outcomes(passed=1)


def test_a_miss_the_test_swallowed_still_fails_it(inner, openai_server):
    inner.pytester.makepyfile(
        test_swallow=PROBE.split("MARK")[0]
        + textwrap.dedent(
            """
            @pytest.mark.llm_recording
            def test_swallows():
                try:
                    ask()
                except BaseException:
                    pass
            """
        )
    )
    result = inner.run()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*1 request(s) had no recording, but the test caught the error and passed: "
            "POST http://127.0.0.1:*/v1/chat/completions. Record with: pytest --llm-record=record-missing "
            "test_swallow.py::test_swallows"
        ]
    )


def test_unmarked_tests_are_left_alone(inner, openai_server):
    inner.pytester.makepyfile(test_plain=PROBE.split("MARK")[0] + "def test_plain():\n    ask()\n")
    inner.run().assert_outcomes(passed=1)
    assert len(openai_server.requests) == 1
    assert not (inner.pytester.path / "recordings").exists()


def test_replay_gives_sdks_a_placeholder_key_only_while_the_test_runs(inner, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    inner.pytester.makepyfile(
        test_key=textwrap.dedent(
            """
            import os
            import openai, pytest

            @pytest.mark.llm_recording
            def test_replayed():
                openai.OpenAI()  # raises OpenAIError without a key
                assert os.environ["OPENAI_API_KEY"] == "sk-llmrec-replay-needs-no-key"

            def test_after():
                assert "OPENAI_API_KEY" not in os.environ

            @pytest.mark.llm_recording(mode="live")
            def test_live_needs_a_real_key():
                assert "OPENAI_API_KEY" not in os.environ
            """
        )
    )
    inner.run().assert_outcomes(passed=3)


@pytest.mark.parametrize(
    ("ini", "message"),
    [
        (
            "llm_unused = wran",
            "*ini option llm_unused must be one of warn, fail, prune, not 'wran' (did you mean 'warn'?)*",
        ),
        (
            "llm_record_on_failure = maybe",
            "*ini option llm_record_on_failure must be one of yes, no, not 'maybe'*",
        ),
        (
            "llm_scrub_paths = messages[x]",
            "*ini option llm_scrub_paths: cannot parse JSON path 'messages[[]x[]]'*",
        ),
    ],
)
def test_a_bad_ini_value_stops_the_run_before_any_test(inner, openai_server, ini, message):
    probe(inner)
    inner.pytester.makeini(f"[pytest]\n{ini}\n")

    result = inner.run("--llm-record=record-missing")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])
    assert "test_probe" not in result.stdout.str() and openai_server.requests == []


LATE_MARKER = textwrap.dedent(
    """
    import pytest

    def pytest_collection_modifyitems(items):
        for item in items:
            item.add_marker(pytest.mark.llm_recording(name="shared-scope", recordings_dir="cassettes"))
    """
)


def test_a_marker_a_conftest_hook_adds_after_collection_is_honoured(inner, openai_server):
    inner.pytester.makepyfile(test_late=PROBE.split("MARK")[0] + "def test_late():\n    ask()\n")
    inner.pytester.makeconftest(LATE_MARKER)

    inner.run("--llm-record=record-missing").assert_outcomes(passed=1)

    assert [p.parent.name for p in (inner.pytester.path / "cassettes").rglob("*.json")] == ["shared-scope"]
    assert not (inner.pytester.path / "recordings").exists()


def test_a_misspelt_key_in_a_shared_llm_recording_config_stops_the_run_once(inner):
    inner.pytester.makeconftest(
        "import pytest\n@pytest.fixture\ndef llm_recording_config():\n    return {'recording_dir': 'cassettes'}\n"
    )
    inner.pytester.makepyfile(
        test_many="import pytest\n"
        + "".join(f"@pytest.mark.llm_recording\ndef test_{i}():\n    pass\n" for i in range(20))
    )
    result = inner.run()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    out = result.stdout.str()
    assert out.count("unknown keyword 'recording_dir' in the llm_recording_config fixture") == 1
    assert "(did you mean 'recordings_dir'?)" in out
    assert "1 error" not in out and "20 error" not in out
