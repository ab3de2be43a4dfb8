"""What a response costs: priced by the model that answered, cached input at its rate, and the meter that
refuses a live request once the run's spend passed the budget."""

from __future__ import annotations

import pytest

from pytest_llmrec.errors import BudgetExceededError
from pytest_llmrec.pricing.cost import Cost, Priced, RunCost, answered_by, budget_text, dollars_text, price
from pytest_llmrec.pricing.meter import Meter, SharedSpend
from pytest_llmrec.pricing.table import Price, PriceTable
from pytest_llmrec.storage import payloads

TABLE = PriceTable(
    {"gpt-x": Price(1.0, 4.0, 0.5), "claude-x": Price(3.0, 15.0, 0.3), "plain": Price(2.0, 8.0)}, "2025-10-15"
)


def chat(model, prompt=1000, completion=100, cached=None):
    usage = {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
    if cached is not None:
        usage["prompt_tokens_details"] = {"cached_tokens": cached}
    return payloads.typed("openai.types.chat.ChatCompletion", {"model": model, "usage": usage})


def test_a_response_is_priced_by_the_model_that_answered_not_the_one_asked_for():
    priced = price(TABLE, chat("gpt-x"), "some-alias")
    assert priced == Priced("gpt-x", 1100, pytest.approx((1000 * 1 + 100 * 4) / 1e6))


def test_the_requests_model_prices_a_response_that_names_none():
    body = {"usage": {"prompt_tokens": 10, "completion_tokens": 0}}
    assert price(TABLE, body, "plain") == Priced("plain", 10, pytest.approx(20 / 1e6))


def test_openais_cached_tokens_are_part_of_the_input_and_priced_at_the_cached_rate():
    priced = price(TABLE, chat("gpt-x", cached=800), None)
    assert priced.dollars == pytest.approx((200 * 1 + 800 * 0.5 + 100 * 4) / 1e6)
    # A model with no cached rate pays the input rate for them.
    assert price(TABLE, chat("plain", cached=800), None).dollars == pytest.approx((1000 * 2 + 100 * 8) / 1e6)


def test_anthropics_cache_reads_and_writes_are_beside_the_input_and_priced_at_their_rates():
    start = {
        "type": "message_start",
        "message": {
            "model": "claude-x",
            "usage": {
                "input_tokens": 10,
                "output_tokens": 1,
                "cache_read_input_tokens": 1000,
                "cache_creation_input_tokens": 100,
            },
        },
    }
    delta = {"type": "message_delta", "usage": {"output_tokens": 50}}
    stream = [{"event": "message_start", "data": start}, {"event": "message_delta", "data": delta}]
    priced = price(TABLE, stream, None)
    assert priced.model == "claude-x" and priced.tokens == 10 + 50 + 1000 + 100
    assert priced.dollars == pytest.approx((10 * 3 + 1000 * 0.3 + 100 * 3 * 1.25 + 50 * 15) / 1e6)


def test_a_stream_is_priced_by_the_model_its_events_name_and_its_last_usage():
    events = [
        {"model": "gpt-x", "choices": [{"delta": {"content": "Hi"}}], "usage": None},
        {"model": "gpt-x", "choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 2}},
    ]
    assert price(TABLE, events, "other") == Priced("gpt-x", 5, pytest.approx((3 + 8) / 1e6))
    responses_event = {"type": "response.completed", "response": {"model": "gpt-x", "usage": {}}}
    assert answered_by([{"type": "response.created"}, responses_event]) == "gpt-x"


def test_an_unpriced_model_counts_its_tokens_by_name_and_a_response_without_tokens_counts_nothing():
    cost = Cost()
    cost.count(price(TABLE, chat("mystery"), None), live=True)
    cost.count(price(TABLE, chat("mystery", 5, 5), None), live=False)
    cost.count(price(TABLE, {"object": "list", "data": []}, None), live=True)
    cost.count(price(TABLE, {"usage": {"prompt_tokens": 4}}, None), live=True)
    assert cost == Cost(0.0, 0.0, {"mystery": 1110, "(no model named)": 4})


def test_a_runs_cost_adds_each_tests_and_crosses_processes_as_json():
    first, second = Cost(0.5, 0.25, {"m": 3}), Cost(0.0, 1.0, {}, refused=2)
    worker = RunCost()
    worker.add("t::a", first)
    worker.add("t::b", second)
    worker.add("t::c", Cost())  # cost nothing: not listed
    controller = RunCost()
    controller.merge(worker.to_json())
    assert controller == worker
    assert controller.to_json() == {
        "saved": 0.5,
        "spent": 1.25,
        "no_price": {"m": 3},
        "refused": 2,
        "tests": {"t::a": first.to_json(), "t::b": second.to_json()},
    }


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "$0"),
        (0.0031, "$0.0031"),
        (0.048, "$0.0480"),
        (0.00021, "$0.00021"),
        (2e-6, "$0.0000020"),
        (1.5, "$1.50"),
        (1234.5, "$1,234.50"),
    ],
)
def test_dollars_read_as_a_person_would_write_them(value, text):
    assert dollars_text(value) == text


def test_a_budget_reads_as_given():
    assert (budget_text(0.02), budget_text(5.0), budget_text(0.0)) == ("$0.02", "$5", "$0")


def test_the_meter_refuses_a_live_request_only_once_the_spend_passed_the_budget():
    meter = Meter(TABLE, budget=0.002)
    cost = Cost()
    meter.count(cost, chat("gpt-x"), None, live=True)  # $0.0014
    meter.check(cost, "POST", "http://127.0.0.1:1/v1/chat/completions")
    meter.count(cost, chat("gpt-x"), None, live=False)  # replayed: saved, not spent
    meter.check(cost, "POST", "http://127.0.0.1:1/v1/chat/completions")
    meter.count(cost, chat("gpt-x"), None, live=True)  # $0.0028
    with pytest.raises(BudgetExceededError) as refused:
        meter.check(cost, "POST", "http://127.0.0.1:1/v1/chat/completions")
    assert (refused.value.budget, refused.value.spent) == (0.002, pytest.approx(0.0028))
    assert str(refused.value) == (
        "pytest-llmrec: the run has spent $0.0028 live, past its budget of $0.002 (--llm-budget), so this "
        "request was not sent: POST http://127.0.0.1:1/v1/chat/completions. Replay it from a recording, "
        "or raise the budget (--llm-budget=DOLLARS, ini llm_budget)"
    )
    assert cost.spent == pytest.approx(0.0028) and cost.saved == pytest.approx(0.0014)
    assert cost.refused == 1


def test_without_a_budget_the_meter_never_refuses():
    meter = Meter(TABLE)
    meter.count(Cost(), chat("gpt-x", 10**9), None, live=True)
    meter.check(Cost(), "POST", "http://127.0.0.1:1/")


def test_workers_see_each_others_spend_through_the_shared_folder(tmp_path):
    first = Meter(TABLE, 0.002, SharedSpend(tmp_path, "gw0"))
    second = Meter(TABLE, 0.002, SharedSpend(tmp_path, "gw1"))
    first.count(Cost(), chat("gpt-x"), None, live=True)
    second.count(Cost(), chat("gpt-x"), None, live=True)
    assert first.run_spend() == second.run_spend() == pytest.approx(0.0028)
    (tmp_path / "stray.json").write_text("not json")  # unreadable: counts nothing
    with pytest.raises(BudgetExceededError):
        second.check(Cost(), "POST", "http://127.0.0.1:1/")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["gw0.json", "gw1.json", "stray.json"]
