"""End-to-end: a pytest suite using the real openai SDK, recorded from a loopback server and replayed offline."""

from __future__ import annotations

import json
import textwrap
from typing import Any

import pytest

from fakes.inner_suite import NO_SOCKETS, InnerSuite

# The user's suite: sync and async, streamed and not, plus the other endpoints the SDK offers.
SUITE = textwrap.dedent(
    """
    import asyncio, json, os, pathlib
    import openai, pytest

    BASE = os.environ["LLMREC_TEST_BASE_URL"]
    SUN = [{"role": "user", "content": "What's the name of the Sun in latin?"}]

    def save(name, value):
        out = pathlib.Path(os.environ["LLMREC_TEST_OUT"])
        out.mkdir(exist_ok=True)
        (out / f"{name}.json").write_text(json.dumps(value))

    def client():
        return openai.OpenAI(base_url=BASE, api_key="sk-test", max_retries=0)

    def aclient():
        return openai.AsyncOpenAI(base_url=BASE, api_key="sk-test", max_retries=0)

    @pytest.mark.llm_recording
    def test_sync_plain():
        answer = client().chat.completions.create(model="gpt-4o-mini", messages=SUN)
        assert "Sol" in answer.choices[0].message.content
        save("sync_plain", answer.model_dump())

    @pytest.mark.llm_recording
    def test_sync_stream():
        chunks = client().chat.completions.create(model="gpt-4o-mini", messages=SUN, n=2, stream=True)
        save("sync_stream", [chunk.model_dump() for chunk in chunks])

    @pytest.mark.llm_recording
    def test_async_plain():
        async def main():
            return await aclient().chat.completions.create(model="gpt-4o-mini", messages=SUN)
        save("async_plain", asyncio.run(main()).model_dump())

    @pytest.mark.llm_recording
    def test_async_stream():
        async def main():
            stream = await aclient().chat.completions.create(
                model="gpt-4o-mini", messages=SUN, n=2, stream=True,
                stream_options={"include_usage": True})
            return [chunk.model_dump() async for chunk in stream]
        save("async_stream", asyncio.run(main()))

    @pytest.mark.llm_recording
    def test_other_endpoints():
        c = client()
        save("completion", c.completions.create(model="gpt-3.5-turbo-instruct", prompt="Sun in latin?").model_dump())
        stream = c.completions.create(model="gpt-3.5-turbo-instruct", prompt="Say hi", stream=True)
        save("completion_stream", [chunk.model_dump() for chunk in stream])
        save("embeddings", c.embeddings.create(model="text-embedding-3-small", input=["a", "b"]).model_dump())
        save("models", [model.model_dump() for model in c.models.list()])
    """
)
SUITE_TESTS = 5
# Requests SUITE sends: 1 + 1 + 1 + 1 + 4.
SUITE_REQUESTS = 8


def ids_of(result: Any) -> set[str]:
    """Ids of the completions and chunks in one saved result."""
    items = result if isinstance(result, list) else [result]
    return {item["id"] for item in items}


@pytest.fixture
def suite(inner: InnerSuite) -> InnerSuite:
    inner.pytester.makepyfile(test_suite=SUITE)
    return inner


def test_record_missing_then_replay_offline_gives_equal_objects(suite, openai_server):
    recorded = suite.run("--llm-record=record-missing")
    recorded.assert_outcomes(passed=SUITE_TESTS)
    live = suite.results()
    assert len(openai_server.requests) == SUITE_REQUESTS
    files = suite.recordings()
    assert len(files) == SUITE_REQUESTS
    assert {path.parts[:2] for path in files} == {
        ("test_suite", name)
        for name in (
            "test_sync_plain",
            "test_sync_stream",
            "test_async_plain",
            "test_async_stream",
            "test_other_endpoints",
        )
    }
    openai_server.stop()
    suite.pytester.makeconftest(NO_SOCKETS)

    replayed = suite.run()

    replayed.assert_outcomes(passed=SUITE_TESTS)
    again = suite.results()
    assert again.keys() == live.keys()
    # The client saw the stable ids and timestamps while recording too: replay gives equal objects.
    assert again == live
    for name in (
        "sync_plain",
        "sync_stream",
        "async_plain",
        "async_stream",
        "completion",
        "completion_stream",
    ):
        assert [i[:4] for i in ids_of(again[name])] == ["rec-"], name
    assert {c["created"] for c in again["sync_stream"]} == {0}
    assert len(again["sync_stream"]) == len(live["sync_stream"]) == 22
    assert [c["choices"][0]["index"] for c in again["sync_stream"][:4]] == [0, 1, 0, 1]
    assert again["async_stream"][-1]["usage"] == live["async_stream"][-1]["usage"]
    assert "llmrec: 8 replayed, 0 sent live, 0 recorded, 0 file(s) written" in replayed.stdout.str()


def test_rewrite_against_fresh_ids_and_timestamps_changes_no_byte(suite, openai_server):
    suite.run("--llm-record=record-missing").assert_outcomes(passed=SUITE_TESTS)
    before = suite.recordings()
    openai_server.reset()

    rewritten = suite.run("--llm-record=rewrite")

    rewritten.assert_outcomes(passed=SUITE_TESTS)
    assert len(openai_server.requests) == SUITE_REQUESTS  # every request went live again
    assert suite.recordings() == before
    assert "8 sent live, 8 recorded, 0 file(s) written, 8 unchanged;" in rewritten.stdout.str()


def test_rewrite_drops_the_recordings_a_test_no_longer_makes(inner, openai_server):
    inner.pytester.makepyfile(
        test_drop=SUITE.split("@pytest.mark.llm_recording")[0]
        + textwrap.dedent(
            """
            @pytest.mark.llm_recording
            def test_shrinks():
                client().chat.completions.create(model="gpt-4o-mini", messages=SUN)
                if os.environ.get("SECOND_CALL"):
                    client().chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "x"}])
            """
        )
    )
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SECOND_CALL", "1")
        inner.run("--llm-record=record-missing").assert_outcomes(passed=1)
    assert len(inner.recordings()) == 2

    result = inner.run("--llm-record=rewrite")

    result.assert_outcomes(passed=1)
    assert len(inner.recordings()) == 1
    assert "1 stale file(s) deleted" in result.stdout.str()


@pytest.mark.parametrize("narrowing", [["test_drop.py::test_reworded"], ["-k", "reworded"]])
def test_rewrite_of_one_test_drops_what_it_no_longer_asks_and_nothing_of_other_tests(inner, narrowing):
    """After a prompt change, the re-record a miss suggests leaves one file per request, not two."""
    inner.pytester.makepyfile(
        test_drop=SUITE.split("@pytest.mark.llm_recording")[0]
        + textwrap.dedent(
            """
            def ask(text):
                client().chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": text}])

            @pytest.mark.llm_recording
            def test_reworded():
                ask(os.environ.get("PROMPT", "first wording"))

            @pytest.mark.llm_recording
            def test_other():
                ask("other")

            @pytest.mark.llm_recording(name="shared")
            def test_shared_scope():
                ask(os.environ.get("PROMPT", "first wording"))
            """
        )
    )
    inner.run("--llm-record=record-missing").assert_outcomes(passed=3)
    before = inner.recordings()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PROMPT", "second wording")
        result = inner.run("--llm-record=rewrite", *narrowing)
    result.assert_outcomes(passed=1, deselected=2 if narrowing[0] == "-k" else 0)
    after = inner.recordings()
    (old,) = [path for path in before if path.parts[1] == "test_reworded"]
    (new,) = [path for path in after if path.parts[1] == "test_reworded"]
    assert old != new and "1 stale file(s) deleted" in result.stdout.str()
    assert {p: d for p, d in after.items() if p.parts[1] != "test_reworded"} == {
        p: d for p, d in before.items() if p.parts[1] != "test_reworded"
    }  # the other test's and the named scope's files, byte for byte


def test_record_missing_replays_what_is_recorded_without_the_network(suite, openai_server):
    suite.run("--llm-record=record-missing").assert_outcomes(passed=SUITE_TESTS)
    before = suite.recordings()
    openai_server.reset()

    suite.run("--llm-record=once").assert_outcomes(passed=SUITE_TESTS)

    assert openai_server.requests == []
    assert suite.recordings() == before


def test_live_mode_calls_the_server_and_writes_nothing(suite, openai_server):
    result = suite.run("--llm-record=live")

    result.assert_outcomes(passed=SUITE_TESTS)
    assert len(openai_server.requests) == SUITE_REQUESTS
    assert not (suite.pytester.path / "recordings").exists()
    spent = int(result.stdout.str().split("replayed, ")[-1].split(" spent live")[0])
    assert spent > 0  # measured from the responses' usage, though nothing was recorded
    assert [i[:4] for i in ids_of(suite.results()["sync_stream"])] == ["rec-"]  # as in every mode


def test_replay_miss_names_test_request_and_directory_and_opens_no_socket(suite, openai_server):
    suite.pytester.makeconftest(NO_SOCKETS)

    result = suite.run("-k", "test_sync_plain")

    result.assert_outcomes(failed=1, deselected=SUITE_TESTS - 1)
    result.stdout.fnmatch_lines(
        [
            "*pytest-llmrec: POST /v1/chat/completions (model 'gpt-4o-mini'): no recording matches this request*",
            "*test:*test_suite.py::test_sync_plain",
            f"*recordings dir:*{suite.pytester.path / 'recordings'}",
            "*request body:*What's the name of the Sun in latin?*",
            "*to record it:*pytest --llm-record=record-missing test_suite.py::test_sync_plain",
            "*made at:*test_suite.py:*: answer = client().chat.completions.create(*",
        ]
    )
    assert "APIConnectionError" not in result.stdout.str()  # the SDK neither wrapped nor retried it
    assert openai_server.requests == []


@pytest.mark.parametrize("workers", [[], ["-n", "2"]])
def test_a_first_run_with_nothing_recorded_ends_with_one_line_saying_what_to_run(suite, workers):
    result = suite.run(*workers)

    result.assert_outcomes(failed=SUITE_TESTS)
    lines = result.stdout.lines
    assert (
        "llmrec: 0 replayed, 0 sent live, 0 recorded, 0 file(s) written; tokens: 0 replayed, 0 spent live"
        in lines
    )
    assert (
        f"llmrec: {SUITE_TESTS} test(s) have no recording for a request they sent: pytest "
        "--llm-record=record-missing records them (a test whose request changed: --llm-record=rewrite, "
        "as its miss says)"
    ) in lines


IGNORED_METADATA = textwrap.dedent(
    """
    import json, os
    import pytest
    try:
        import httpx2 as httpx  # what openai 3.x uses
    except ImportError:
        import httpx

    BASE = os.environ["LLMREC_TEST_BASE_URL"]

    @pytest.mark.llm_recording(ignore="metadata")
    def test_body_variants():
        body = json.loads(os.environ["BODY"])
        response = httpx.post(BASE + "/chat/completions", json=body, headers={"authorization": "Bearer sk-test"})
        assert response.status_code == 200
        assert "Echo" in response.json()["choices"][0]["message"]["content"]
    """
)


@pytest.mark.parametrize(
    ("replayed_body", "outcome", "diff"),
    [
        (
            '{"messages": [{"role": "user", "content": "hi"}], "model": "m", "metadata": {"run": 2}}',
            "passed",
            "",
        ),
        ('{"model": "m", "messages": [{"content": "hi", "role": "user"}]}', "passed", ""),
        (
            '{"model": "m", "messages": [{"content": "hi", "role": "user"}], "temperature": 1.0}',
            "failed",
            "temperature: (absent) -> 1",
        ),
        (
            '{"model": "m", "messages": [{"role": "user", "content": "hello"}], "metadata": {"run": 1}}',
            "failed",
            "messages[0].content: 'hi' -> 'hello'",
        ),
    ],
    ids=["metadata-ignored", "key-order", "new-field", "prompt-differs"],
)
def test_what_makes_a_request_match(inner, monkeypatch, replayed_body, outcome, diff):
    inner.pytester.makepyfile(test_match=IGNORED_METADATA)
    monkeypatch.setenv(
        "BODY", '{"model": "m", "messages": [{"role": "user", "content": "hi"}], "metadata": {"run": 1}}'
    )
    inner.run("--llm-record=record-missing").assert_outcomes(passed=1)

    monkeypatch.setenv("BODY", replayed_body)
    result = inner.run()

    result.assert_outcomes(**{outcome: 1})
    if outcome == "failed":
        result.stdout.fnmatch_lines(
            [
                "*POST /v1/chat/completions (model 'm'): no recording matches*",
                "*nearest recordings in this scope (1 in all), recorded -> live:",
                "*.json:",
                f"      {diff}",
            ]
        )


def test_an_ignored_field_is_stored_as_a_placeholder_so_a_re_record_changes_no_byte(inner, monkeypatch):
    from pytest_llmrec.check import check

    inner.pytester.makepyfile(test_match=IGNORED_METADATA)
    sent = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "metadata": {"run": 1}}
    monkeypatch.setenv("BODY", json.dumps(sent))
    inner.run("--llm-record=record-missing").assert_outcomes(passed=1)
    before = inner.recordings()
    (document,) = inner.documents().values()
    assert document["request"]["body"] == {**sent, "metadata": "<ignored>"}

    monkeypatch.setenv("BODY", json.dumps({**sent, "metadata": {"run": 2}}))
    rewritten = inner.run("--llm-record=rewrite")

    rewritten.assert_outcomes(passed=1)
    assert inner.recordings() == before
    assert "1 recorded, 0 file(s) written, 1 unchanged;" in rewritten.stdout.str()
    assert not check([inner.pytester.path / "recordings"]).failed  # its name still matches its content


def test_identical_requests_replay_their_recordings_in_order(inner, openai_server):
    inner.pytester.makepyfile(
        test_repeat=textwrap.dedent(
            """
            import os
            import openai, pytest

            @pytest.mark.llm_recording
            def test_twice():
                c = openai.OpenAI(base_url=os.environ["LLMREC_TEST_BASE_URL"], api_key="sk-test", max_retries=0)
                ask = lambda: c.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
                first, second = ask(), ask()
                assert (first.choices[0].message.content, second.choices[0].message.content) == (
                    os.environ["FIRST"], os.environ["SECOND"])
            """
        )
    )
    with pytest.MonkeyPatch.context() as env:
        env.setenv("FIRST", "Echo: hi")
        env.setenv("SECOND", "Echo: hi")
        inner.run("--llm-record=record-missing").assert_outcomes(passed=1)
    files = inner.recordings()
    second = next(path for path in files if path.name.endswith(".2.json"))
    second_file = inner.pytester.path / "recordings" / second
    second_file.write_bytes(second_file.read_bytes().replace(b"Echo: hi", b"Echo: the second answer"))

    with pytest.MonkeyPatch.context() as env:
        env.setenv("FIRST", "Echo: hi")
        env.setenv("SECOND", "Echo: the second answer")
        inner.run().assert_outcomes(passed=1)
        third_call = inner.pytester.path / "test_repeat.py"
        third_call.write_text(
            third_call.read_text().replace(
                "first, second = ask(), ask()", "first, second = ask(), ask(); ask()"
            )
        )
        result = inner.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*this is call #3 of an identical request; 2 were recorded*"])


def test_a_corrupt_recording_names_the_file(suite, openai_server):
    suite.run("--llm-record=record-missing", "-k", "test_sync_plain").assert_outcomes(passed=1, deselected=4)
    (path,) = (suite.pytester.path / "recordings").rglob("*.json")
    path.write_text('{"test_id": "x", "request": {"method": "POST"}, "response": {"body": {}}}')

    result = suite.run("-k", "test_sync_plain")

    result.assert_outcomes(failed=1, deselected=4)
    result.stdout.fnmatch_lines([f"RecordingFileError: {path}: request.url: missing"])


SHARED_SCOPE = textwrap.dedent(
    """
    import os
    import openai, pytest

    def ask(text):
        c = openai.OpenAI(base_url=os.environ["LLMREC_TEST_BASE_URL"], api_key="sk-test", max_retries=0)
        return c.chat.completions.create(model="m", messages=[{"role": "user", "content": text}])

    pytestmark = pytest.mark.llm_recording(name="shared")

    def test_one():
        ask("common"); ask(os.environ.get("ONE", "one"))

    def test_two():
        ask("common"); ask("two")
    """
)


def test_rewrite_of_a_shared_scope_fetches_each_request_once_and_prunes_only_when_all_its_tests_ran(
    inner, openai_server, monkeypatch
):
    inner.pytester.makepyfile(test_shared=SHARED_SCOPE)
    inner.run("--llm-record=record-missing").assert_outcomes(passed=2)
    assert len(inner.recordings()) == 3  # common, one, two
    openai_server.reset()
    monkeypatch.setenv("ONE", "one, reworded")

    partial = inner.run("--llm-record=rewrite", "-k", "test_one")

    partial.assert_outcomes(passed=1, deselected=1)
    assert len(inner.recordings()) == 4  # test_two did not run: nothing of the scope is pruned
    whole = inner.run("--llm-record=rewrite")
    whole.assert_outcomes(passed=2)
    assert "1 stale file(s) deleted" in whole.stdout.str()
    assert len(inner.recordings()) == 3
    # The whole-scope rewrite fetched "common" once for both tests: 2 (partial) + 3 requests.
    assert len(openai_server.requests) == 5


def test_an_error_response_replays_as_the_same_sdk_exception(inner, openai_server):
    inner.pytester.makepyfile(
        test_errors=textwrap.dedent(
            """
            import os
            import openai, pytest

            @pytest.mark.llm_recording
            @pytest.mark.parametrize("stream", [False, True])
            def test_rate_limited(stream):
                c = openai.OpenAI(base_url=os.environ["LLMREC_TEST_BASE_URL"], api_key="sk-test", max_retries=0)
                with pytest.raises(openai.RateLimitError) as error:
                    c.chat.completions.create(model="error-429", messages=[{"role": "user", "content": "hi"}], stream=stream)
                assert error.value.status_code == 429
                assert error.value.body == {"message": "Simulated 429 error", "type": "requests", "param": None,
                                            "code": "rate_limit_exceeded"}
            """
        )
    )
    inner.run("--llm-record=record-missing").assert_outcomes(passed=2)
    (recorded, _) = [json.loads(p) for p in inner.recordings().values()]
    assert recorded["response"]["status"] == 429 and recorded["response"]["format"] == "json"
    openai_server.stop()
    inner.run().assert_outcomes(passed=2)


def test_a_rate_limited_then_successful_sequence_replays_without_waiting(inner, openai_server):
    inner.pytester.makepyfile(
        test_retry=textwrap.dedent(
            """
            import os, time
            import openai, pytest

            @pytest.mark.llm_recording
            def test_retried():
                client = openai.OpenAI(base_url=os.environ["LLMREC_TEST_BASE_URL"], api_key="sk-test", max_retries=2)
                client.chat.completions  # openai 1.x/2.x import this lazily, in up to 0.8 s: not part of the timing
                started = time.monotonic()
                answer = client.chat.completions.create(model="flaky-429", messages=[{"role": "user", "content": "hi"}])
                print(f"ELAPSED={time.monotonic() - started:.3f}")
                assert answer.choices[0].message.content == "Echo: hi"
            """
        )
    )
    recorded = inner.run("-s", "--llm-record=record-missing")
    recorded.assert_outcomes(passed=1)
    statuses = sorted(json.loads(data)["response"]["status"] for data in inner.recordings().values())
    assert statuses == [200, 429] and len(openai_server.requests) == 2
    assert float(recorded.stdout.str().split("ELAPSED=")[1].split()[0]) >= 1  # the server asked for 1 s

    openai_server.stop()
    replayed = inner.run("-s")

    replayed.assert_outcomes(passed=1)
    assert float(replayed.stdout.str().split("ELAPSED=")[1].split()[0]) < 0.3  # SDK backoff alone: >= 0.375 s


AZURE = textwrap.dedent(
    """
    import os
    import openai, pytest

    ROOT = os.environ["LLMREC_TEST_BASE_URL"].removesuffix("/v1")

    @pytest.mark.llm_recording(match_host=os.environ.get("MATCH_HOST") == "1")
    def test_azure():
        client = openai.AzureOpenAI(azure_endpoint=os.environ.get("AZURE_ENDPOINT", ROOT), api_key="azure-key-123456789",
                                    api_version="2024-06-01", azure_deployment="my-gpt", max_retries=0)
        answer = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
        assert answer.choices[0].message.content == "Echo: hi"
    """
)


def test_azure_openai_records_and_replays_with_its_deployment_path_and_api_version(
    inner, openai_server, monkeypatch
):
    inner.pytester.makepyfile(test_azure=AZURE)
    inner.run("--llm-record=record-missing").assert_outcomes(passed=1)
    monkeypatch.setenv("MATCH_HOST", "1")
    inner.run("--llm-record=record-missing").assert_outcomes(passed=1)  # a second key, with the host in it
    sent = openai_server.requests[0]
    assert sent.path == "/openai/deployments/my-gpt/chat/completions?api-version=2024-06-01"
    assert sent.headers["api-key"] == "azure-key-123456789"
    texts = [data.decode() for data in inner.recordings().values()]
    assert len(texts) == 2
    assert all("/openai/deployments/my-gpt/chat/completions?api-version=2024-06-01" in text for text in texts)
    assert not any("azure-key-123456789" in text for text in texts)
    openai_server.stop()

    inner.run().assert_outcomes(passed=1)  # same host, host in the key
    monkeypatch.setenv("AZURE_ENDPOINT", "https://my-resource.openai.azure.com")
    inner.run().assert_outcomes(failed=1)  # another host: no recording has it
    monkeypatch.delenv("MATCH_HOST")
    inner.run().assert_outcomes(passed=1)  # by default the host is not part of the key


GATHER = textwrap.dedent(
    """
    import asyncio, json, os, pathlib
    import openai, pytest

    @pytest.mark.llm_recording
    def test_gather():
        async def main():
            client = openai.AsyncOpenAI(base_url=os.environ["LLMREC_TEST_BASE_URL"], api_key="sk-test", max_retries=0)
            async def ask(text):
                answer = await client.chat.completions.create(model="m", messages=[{"role": "user", "content": text}])
                return answer.choices[0].message.content
            prompts = [f"question {n}" for n in range(20)] + ["the same"] * 5
            return await asyncio.gather(*(ask(p) for p in prompts))
        answers = asyncio.run(main())
        pathlib.Path(os.environ["LLMREC_TEST_OUT"]).mkdir(exist_ok=True)
        (pathlib.Path(os.environ["LLMREC_TEST_OUT"]) / "answers.json").write_text(json.dumps(answers))
    """
)


def test_concurrent_requests_in_one_test_all_record_and_replay_the_same(inner, openai_server):
    inner.pytester.makepyfile(test_gather=GATHER)
    inner.run("--llm-record=record-missing").assert_outcomes(passed=1)
    live = inner.results()["answers"]
    assert len(openai_server.requests) == 25 and len(inner.recordings()) == 25
    openai_server.stop()

    for _ in range(3):
        inner.run().assert_outcomes(passed=1)
        assert inner.results()["answers"] == live


OTHER_CLIENTS = textwrap.dedent(
    """
    import asyncio, os
    import pytest

    BASE = os.environ["LLMREC_TEST_BASE_URL"]
    BODY = {"model": "m", "messages": [{"role": "user", "content": "other clients"}]}

    @pytest.mark.llm_recording
    def test_requests():
        requests = pytest.importorskip("requests")
        answer = requests.post(BASE + "/chat/completions", json=BODY, headers={"authorization": "Bearer sk-x"})
        assert answer.json()["choices"][0]["message"]["content"] == "Echo: other clients"
        stream = requests.post(BASE + "/chat/completions", json={**BODY, "stream": True}, stream=True)
        lines = [line for line in stream.iter_lines() if line]
        assert lines[-1] == b"data: [DONE]" and len(lines) > 3

    @pytest.mark.llm_recording
    def test_aiohttp():
        aiohttp = pytest.importorskip("aiohttp")
        async def main():
            async with aiohttp.ClientSession() as session, session.post(BASE + "/chat/completions", json=BODY) as r:
                return r.status, await r.json()
        status, body = asyncio.run(main())
        assert status == 200 and body["choices"][0]["message"]["content"] == "Echo: other clients"
    """
)


def test_requests_and_aiohttp_record_and_replay_through_vcrpys_stubs(inner, openai_server):
    pytest.importorskip("requests")
    pytest.importorskip("aiohttp")
    inner.pytester.makepyfile(test_clients=OTHER_CLIENTS)
    inner.run("--llm-record=record-missing").assert_outcomes(passed=2)
    assert len(openai_server.requests) == 3 == len(inner.recordings())
    plain = [
        doc["response"]["body"] for doc in inner.documents().values() if not doc["response"]["is_streaming"]
    ]
    assert [body["__data__"]["id"][:4] for body in plain] == ["rec-", "rec-"]  # stable on disk here too
    openai_server.stop()
    inner.pytester.makeconftest(NO_SOCKETS)

    inner.run().assert_outcomes(passed=2)
