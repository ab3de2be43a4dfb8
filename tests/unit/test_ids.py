import orjson

from pytest_llmrec.ids import EPOCH, IdMap, stable_id

KEY = "0123456789abcdef" * 4
OTHER_KEY = "fedcba9876543210" * 4


def test_ids_a_response_brings_become_stable_in_document_order_and_timestamps_are_fixed():
    ids = IdMap()
    response = ids.response(KEY, 1)
    body = {
        "id": "chatcmpl-AbC123xyz",
        "object": "chat.completion",
        "created": 1764000000,
        "choices": [{"message": {"tool_calls": [{"id": "call_Q1w2E3r4T5y6", "type": "function"}]}}],
    }

    normalized = response.normalize(body, "/v1/chat/completions")

    assert normalized["id"] == "rec-0123456789ab" == stable_id(KEY, 1)
    assert normalized["choices"][0]["message"]["tool_calls"][0]["id"] == "rec-0123456789ab-2"
    assert normalized["created"] == 0
    assert response.pairs == {
        "rec-0123456789ab": "chatcmpl-AbC123xyz",
        "rec-0123456789ab-2": "call_Q1w2E3r4T5y6",
    }


def test_an_id_seen_before_keeps_its_stable_id_and_is_not_a_new_pair():
    ids = IdMap()
    first = ids.response(KEY, 1)
    first.normalize({"object": "response", "id": "resp_first0001", "created_at": 5}, "/v1/responses")
    second = ids.response(OTHER_KEY, 1)

    normalized = second.normalize(
        {"object": "response", "id": "resp_second002", "previous_response_id": "resp_first0001"},
        "/v1/responses",
    )

    assert normalized == {
        "object": "response",
        "id": stable_id(OTHER_KEY, 1),
        "previous_response_id": stable_id(KEY, 1),
    }
    assert second.pairs == {stable_id(OTHER_KEY, 1): "resp_second002"}


def test_real_ids_are_replaced_inside_text_too():
    ids = IdMap()
    ids.response(KEY, 1).normalize({"id": "file-abc123def456", "object": "file"}, "/v1/files")
    error = {"error": {"message": "No such File object: file-abc123def456"}}

    assert ids.response(OTHER_KEY, 1).normalize(error, "/v1/files/x") == {
        "error": {"message": f"No such File object: {stable_id(KEY, 1)}"}
    }


def test_stable_ids_go_back_to_real_ones_before_a_request_leaves():
    ids = IdMap()
    ids.response(KEY, 1).normalize({"object": "response", "id": "resp_live0000001"}, "/v1/responses")
    stable = stable_id(KEY, 1)

    assert ids.to_real(f"http://h/v1/responses/{stable}?x=1") == "http://h/v1/responses/resp_live0000001?x=1"
    body = orjson.dumps({"previous_response_id": stable, "input": "rec-000000000000 is unknown"})
    assert orjson.loads(ids.to_real_bytes(body)) == {
        "previous_response_id": "resp_live0000001",
        "input": "rec-000000000000 is unknown",
    }


def test_pairs_learned_from_a_replayed_recording_translate_later_requests():
    ids = IdMap()
    ids.learn({"rec-aaaaaaaaaaaa": "resp_old", "rec-aaaaaaaaaaaa-2": "msg_old"})

    assert ids.to_real("rec-aaaaaaaaaaaa-2 rec-aaaaaaaaaaaa") == "msg_old resp_old"
    # and the real id, if a live response echoes it, is shown as the stable one again
    assert ids.response(KEY, 1).normalize({"previous_response_id": "resp_old"}, "/v1/responses") == {
        "previous_response_id": "rec-aaaaaaaaaaaa"
    }


def test_repeated_identical_requests_get_distinct_stable_ids():
    ids = IdMap()
    one = ids.response(KEY, 1).normalize({"object": "chat.completion", "id": "x-1"}, "/v1/chat/completions")
    two = ids.response(KEY, 2).normalize({"object": "chat.completion", "id": "x-2"}, "/v1/chat/completions")
    assert one["id"] != two["id"] and two["id"] == stable_id(KEY, 2)


def test_model_lists_and_plain_fields_are_left_alone():
    ids = IdMap()
    models = {"object": "list", "data": [{"object": "model", "id": "gpt-4o-mini", "created": 1686935002}]}
    assert ids.response(KEY, 1).normalize(models, "/v1/models") == models
    model = {"object": "model", "id": "text-embedding-3-small", "created": 1705948997}
    assert ids.response(KEY, 1).normalize(model, "/v1/models/x") == model


def test_ollama_times_and_durations_are_fixed():
    chunk = {
        "model": "llama3",
        "created_at": "2026-11-25T19:00:00.123456789Z",
        "done": True,
        "eval_duration": 123,
    }
    normalized = IdMap().response(KEY, 1).normalize(chunk, "/api/chat")
    assert normalized == {"model": "llama3", "created_at": EPOCH, "done": True, "eval_duration": 0}


def test_unchanged_json_keeps_its_bytes():
    ids = IdMap().response(KEY, 1)
    data = b'{"object": "list", "data": [{"embedding": [0.1, 0.2]}]}'
    assert ids.normalize_json(data, "/v1/embeddings") is data
    assert ids.normalize_json(b"not json", "/v1/x") == b"not json"


def test_float_timestamps_are_fixed_like_int_ones():
    body = {"id": "resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452e3795b", "object": "response"}
    body |= {"created_at": 1733000000.123, "output": [{"id": "msg_1a2b3c4d5e6f", "type": "message"}]}
    chunk = {"object": "chat.completion.chunk", "id": "chatcmpl-AbC123xyz", "created": 1764000000.5}

    normalized = IdMap().response(KEY, 1).normalize(body, "/v1/responses")
    normalized_chunk = IdMap().response(KEY, 1).normalize(chunk, "/v1/chat/completions")

    assert normalized["created_at"] == 0 and isinstance(normalized["created_at"], int)
    assert normalized_chunk["created"] == 0
    ollama = {"model": "llama3", "total_duration": 12.5, "done": True}
    assert IdMap().response(KEY, 1).normalize(ollama, "/api/chat") == {**ollama, "total_duration": 0}
    other = {"object": "response", "id": "resp_x1y2z3w4v5", "temperature": 0.7}
    assert IdMap().response(KEY, 1).normalize(other, "/v1/responses")["temperature"] == 0.7
