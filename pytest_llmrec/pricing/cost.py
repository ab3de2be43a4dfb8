"""What a response cost in dollars, priced by the model that answered, and those costs added up.

The model is the one the response names (a stream's events, Anthropic's ``message_start``, a
Responses API event), else the one the request asked for. Cached input is priced at the cached
rate: OpenAI counts it within the input tokens, Anthropic beside them (``cache_read_input_tokens``),
with cache writes (``cache_creation_input_tokens``) at 1.25 times the input price, its 5-minute rate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from pytest_llmrec.pricing.table import PER, Price, PriceTable
from pytest_llmrec.storage import payloads

CACHE_WRITE = 1.25  # Anthropic's price of a 5-minute cache write, as a multiple of the input price
NO_MODEL = "(no model named)"


@dataclass(frozen=True)
class Priced:
    """One response: the model it is priced by, its tokens, and its dollars (None: the model has no price)."""

    model: str | None
    tokens: int
    dollars: float | None


@dataclass
class Cost:
    """What one test's or one run's responses cost: ``saved`` by replaying them, ``spent`` live, and
    the tokens of responses whose model has no price, by model; ``refused``: live requests not sent,
    the budget passed."""

    saved: float = 0.0
    spent: float = 0.0
    no_price: dict[str, int] = field(default_factory=dict)
    refused: int = 0

    def count(self, priced: Priced, *, live: bool) -> None:
        if priced.dollars is None:
            if priced.tokens:
                name = priced.model or NO_MODEL
                self.no_price[name] = self.no_price.get(name, 0) + priced.tokens
        elif live:
            self.spent += priced.dollars
        else:
            self.saved += priced.dollars

    def add(self, other: Cost) -> None:
        self.saved += other.saved
        self.spent += other.spent
        self.refused += other.refused
        for model, tokens in other.no_price.items():
            self.no_price[model] = self.no_price.get(model, 0) + tokens

    def __bool__(self) -> bool:
        return bool(self.saved or self.spent or self.no_price or self.refused)

    def to_json(self) -> dict[str, Any]:
        no_price = dict(sorted(self.no_price.items()))
        return {"saved": self.saved, "spent": self.spent, "no_price": no_price, "refused": self.refused}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Cost:
        return cls(float(data["saved"]), float(data["spent"]), dict(data["no_price"]), int(data["refused"]))


@dataclass
class RunCost:
    """The run's cost and each test's (tests that cost nothing are left out); crosses processes as JSON."""

    total: Cost = field(default_factory=Cost)
    tests: dict[str, Cost] = field(default_factory=dict)

    def add(self, nodeid: str, cost: Cost) -> None:
        if not cost:
            return
        self.total.add(cost)
        self.tests.setdefault(nodeid, Cost()).add(cost)

    def to_json(self) -> dict[str, Any]:
        tests = {nodeid: cost.to_json() for nodeid, cost in sorted(self.tests.items())}
        return {**self.total.to_json(), "tests": tests}

    def merge(self, data: dict[str, Any]) -> None:
        for nodeid, cost in data["tests"].items():
            self.add(nodeid, Cost.from_json(cost))


def price(table: PriceTable, body: Any, request_model: str | None) -> Priced:
    """A stored response body (typed or plain, a stream's events or one payload), priced."""
    model = answered_by(body) or request_model
    counts = payloads.token_counts(body)
    read, write, beside = _cache(body)
    tokens = counts.total + (read + write if beside else 0)
    found = table.price_of(model)
    return Priced(model, tokens, None if found is None else _dollars(found, counts, read, write, beside))


def _dollars(price: Price, counts: payloads.TokenCounts, read: int, write: int, beside: bool) -> float:
    fresh = counts.input if beside else max(counts.input - read, 0)
    cached = price.input if price.cached_input is None else price.cached_input
    return (
        fresh * price.input + read * cached + write * price.input * CACHE_WRITE + counts.output * price.output
    ) / PER


def _cache(body: Any) -> tuple[int, int, bool]:
    """Input tokens read from and written to the prompt cache, and whether they are counted beside the
    input tokens (Anthropic) rather than within them (OpenAI)."""
    read = write = 0
    beside = False
    for item in body if isinstance(body, list) else [body]:
        usage = payloads.usage_of(item)
        if usage is None:
            continue
        if "cache_read_input_tokens" in usage or "cache_creation_input_tokens" in usage:
            beside = True
            read = max(read, _int(usage.get("cache_read_input_tokens")))
            write = max(write, _int(usage.get("cache_creation_input_tokens")))
            continue
        for details in ("prompt_tokens_details", "input_tokens_details"):
            if isinstance(usage.get(details), dict):
                read = max(read, _int(usage[details].get("cached_tokens")))
    return read, write, beside


def answered_by(body: Any) -> str | None:
    """The model a response names: at its top, in Anthropic's message_start, in a Responses API
    event; for a stream, the first event that names one."""
    for item in body if isinstance(body, list) else [body]:
        data = _plain(payloads.stream_event_data(item))
        if not isinstance(data, dict):
            continue
        for holder in (data, _plain(data.get("message")), _plain(data.get("response"))):
            if isinstance(holder, dict) and isinstance(holder.get("model"), str) and holder["model"]:
                return holder["model"]  # type: ignore[no-any-return]
    return None


def _plain(value: Any) -> Any:
    return value[payloads.DATA_KEY] if payloads.is_typed(value) else value


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def dollars_text(value: float) -> str:
    """``$0.0031``, ``$12.40``: four decimals below a dollar, two significant digits below a hundredth
    of a cent, cents from a dollar on."""
    if value == 0:
        return "$0"
    if value >= 1:
        return f"${value:,.2f}"
    decimals = max(4, 1 - math.floor(math.log10(value)))
    return f"${value:.{decimals}f}"


def budget_text(value: float) -> str:
    """A budget as a user writes it: ``$0.01``, ``$5``."""
    return "$" + f"{value:f}".rstrip("0").rstrip(".")
