"""Dollar prices per model: the table shipped with the package (``prices.json``) and the ini's overrides.

A model is found by its exact name, or as a provider's dated snapshot of a listed one
(``gpt-4o-2024-08-06`` is ``gpt-4o``, ``claude-3-5-haiku-20241022`` is ``claude-3-5-haiku``), and
never otherwise: a model the table does not name has no price, so a run counts it in tokens and
names it rather than pricing it like a model it may not be.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_llmrec.errors import ConfigError

PRICES_FILE = Path(__file__).with_name("prices.json")
PER = 1_000_000  # prices are dollars per million tokens
# The date a provider appends to a model's name for a snapshot: OpenAI's -2024-08-06, Anthropic's -20241022.
SNAPSHOT = re.compile(r"-(?:\d{4}-\d{2}-\d{2}|\d{8})$")
OVERRIDE_FORM = "MODEL = INPUT OUTPUT [CACHED_INPUT] (dollars per million tokens)"
FIELDS = ("input", "output", "cached_input")


@dataclass(frozen=True)
class Price:
    """Dollars per million tokens. ``cached_input`` None: the provider has no cache discount."""

    input: float
    output: float
    cached_input: float | None = None


@dataclass(frozen=True)
class PriceTable:
    """Prices by model name; ``checked``: the date the packaged prices were last checked."""

    prices: Mapping[str, Price]
    checked: str

    def price_of(self, model: str | None) -> Price | None:
        """The model's price, by exact name or as a dated snapshot of a listed model; None if neither."""
        if not model:
            return None
        found = self.prices.get(model)
        if found is None and (undated := SNAPSHOT.sub("", model)) != model:
            found = self.prices.get(undated)
        return found

    def with_overrides(self, overrides: Mapping[str, Price]) -> PriceTable:
        return PriceTable({**self.prices, **overrides}, self.checked) if overrides else self


@functools.cache
def packaged(path: Path = PRICES_FILE) -> PriceTable:
    """The table shipped with the package, read once per process."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ConfigError(f"{path}: cannot be read as JSON: {error}") from None
    if not isinstance(document, dict):
        raise ConfigError(f"{path}: must be a JSON object with 'checked' and 'providers'")
    checked, providers = document.get("checked"), document.get("providers")
    if not isinstance(checked, str):
        raise ConfigError(f"{path}: checked: must be a date such as '2025-10-15', not {checked!r}")
    if not isinstance(providers, dict):
        raise ConfigError(f"{path}: providers: must map each provider to its models")
    prices: dict[str, Price] = {}
    for provider, models in providers.items():
        if not isinstance(models, dict):
            raise ConfigError(f"{path}: providers.{provider}: must map each model to its prices")
        for model, entry in models.items():
            prices[model] = _entry(entry, f"{path}: providers.{provider}.{model}")
    return PriceTable(prices, checked)


def _entry(entry: Any, where: str) -> Price:
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: must be an object with {', '.join(FIELDS)}")
    values: dict[str, float | None] = {}
    for name in FIELDS:
        value = entry.get(name)
        if value is None and name == "cached_input":
            values[name] = None
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not _dollars(value):
            raise ConfigError(f"{where}.{name}: must be a number of dollars (0 or more), not {value!r}")
        values[name] = float(value)
    return Price(**values)  # type: ignore[arg-type]


def parse_overrides(lines: Iterable[str], where: str = "ini option llm_prices") -> dict[str, Price]:
    """Lines ``MODEL = INPUT OUTPUT [CACHED_INPUT]``; a bad line is a ConfigError that quotes it."""
    prices: dict[str, Price] = {}
    for line in lines:
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        model, equals, numbers = (part.strip() for part in text.partition("="))
        values = numbers.split()
        if not equals or not model or " " in model or len(values) not in (2, 3):
            raise ConfigError(f"{where}: {text!r}: write {OVERRIDE_FORM}")
        try:
            dollars = [float(value.removeprefix("$")) for value in values]
        except ValueError:
            dollars = []
        if len(dollars) != len(values) or not all(_dollars(value) for value in dollars):
            raise ConfigError(f"{where}: {text!r}: prices must be dollars (0 or more); write {OVERRIDE_FORM}")
        prices[model] = Price(*dollars)
    return prices


def _dollars(value: float) -> bool:
    return math.isfinite(value) and value >= 0
