"""The price table: the packaged one is whole and ships in the wheel, models are found exactly or as dated
snapshots and never guessed, and the ini's lines override it or stop the run naming the bad line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pytest_llmrec.errors import ConfigError
from pytest_llmrec.options import read_options
from pytest_llmrec.pricing.table import PRICES_FILE, Price, PriceTable, packaged, parse_overrides

ROOT = Path(__file__).resolve().parents[3]
FORM = "write MODEL = INPUT OUTPUT [CACHED_INPUT] (dollars per million tokens)"


def test_the_packaged_table_prices_the_common_models_and_says_when_it_was_checked():
    table = packaged()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", table.checked)
    assert table.price_of("gpt-4o") == Price(2.5, 10.0, 1.25)
    assert table.price_of("gpt-4o-mini") == Price(0.15, 0.6, 0.075)
    assert table.price_of("text-embedding-3-small") == Price(0.02, 0.0, None)
    assert table.price_of("claude-sonnet-4") == Price(3.0, 15.0, 0.3)
    for model in ("gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano", "o3", "o4-mini", "text-embedding-3-large"):
        assert table.price_of(model) is not None, model
    for model in ("claude-3-5-sonnet", "claude-3-7-sonnet", "claude-3-5-haiku", "claude-opus-4"):
        assert table.price_of(model) is not None, model


def test_the_packaged_file_is_package_data_and_says_its_prices_are_list_prices_to_override():
    document = json.loads(PRICES_FILE.read_text())
    assert "list prices" in document["about"] and "llm_prices" in document["about"]
    assert set(document["providers"]) == {"openai", "anthropic"}
    pyproject = (ROOT / "pyproject.toml").read_text()
    package_data = pyproject.split("[tool.setuptools.package-data]", 1)[1].split("\n[", 1)[0]
    assert '"pricing/prices.json"' in package_data


@pytest.mark.parametrize(
    ("model", "listed"),
    [
        ("gpt-4o-2024-08-06", "gpt-4o"),
        ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"),
        ("claude-3-5-haiku-20241022", "claude-3-5-haiku"),
        ("claude-sonnet-4-20250514", "claude-sonnet-4"),
    ],
)
def test_a_dated_snapshot_is_priced_as_its_model(model, listed):
    assert packaged().price_of(model) == packaged().price_of(listed) is not None


@pytest.mark.parametrize(
    "model",
    ["gpt-4o-audio-preview", "gpt-4o-mini-tts", "ft:gpt-4o-mini:acme", "GPT-4O", "gpt-4", "llama3", "", None],
)
def test_a_model_the_table_does_not_name_has_no_price(model):
    assert packaged().price_of(model) is None


def test_ini_lines_replace_and_add_prices():
    overrides = parse_overrides(["", "# ours", "gpt-4o = 2 8", "my-model = $1 $2 0.5"])
    assert overrides == {"gpt-4o": Price(2.0, 8.0, None), "my-model": Price(1.0, 2.0, 0.5)}
    table = packaged().with_overrides(overrides)
    assert table.price_of("gpt-4o-2024-08-06") == Price(2.0, 8.0, None)
    assert table.price_of("my-model") == Price(1.0, 2.0, 0.5)
    assert table.price_of("gpt-4o-mini") == packaged().price_of("gpt-4o-mini")
    assert table.checked == packaged().checked


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("gpt-4o 2.5 10", FORM),
        ("gpt-4o = 2.5", FORM),
        ("gpt-4o = 1 2 3 4", FORM),
        ("= 1 2", FORM),
        ("my model = 1 2", FORM),
        ("gpt-4o = 2.5 ten", f"prices must be dollars (0 or more); {FORM}"),
        ("gpt-4o = -1 2", f"prices must be dollars (0 or more); {FORM}"),
        ("gpt-4o = nan 2", f"prices must be dollars (0 or more); {FORM}"),
    ],
)
def test_a_bad_line_is_a_config_error_quoting_it(line, problem):
    with pytest.raises(ConfigError) as error:
        read_options({}, {"llm_prices": ["gpt-4o-mini = 1 2", line]}, {}, invocation_dir=ROOT, ini_dir=ROOT)
    assert str(error.value) == f"ini option llm_prices: {line!r}: {problem}"


def test_a_broken_price_file_names_the_file_and_the_field(tmp_path):
    path = tmp_path / "prices.json"
    path.write_text(json.dumps({"checked": "2025-10-15", "providers": {"openai": {"m": {"input": 1}}}}))
    with pytest.raises(ConfigError) as error:
        packaged(path)
    assert str(error.value) == (
        f"{path}: providers.openai.m.output: must be a number of dollars (0 or more), not None"
    )
    path.write_text(json.dumps({"providers": {}}))
    with pytest.raises(ConfigError, match=re.escape(f"{path}: checked: must be a date")):
        packaged(path)


def test_an_empty_table_prices_nothing():
    assert PriceTable({}, "2025-10-15").price_of("gpt-4o") is None
