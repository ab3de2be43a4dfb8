"""What the terminal summary says of dollars: beside the token counts, and the models with no price."""

from __future__ import annotations

from pytest_llmrec.pricing.cost import Cost, dollars_text

MAX_LISTED = 10


def tokens_text(replayed: int, live: int, cost: Cost) -> str:
    """``tokens: 1,200 replayed ($0.0031 saved), 300 spent live ($0.0008)``; a count whose responses
    were all of models with no price has no dollars beside it."""
    saved = f" ({dollars_text(cost.saved)} saved)" if cost.saved else ""
    spent = f" ({dollars_text(cost.spent)})" if cost.spent else ""
    return f"tokens: {replayed:,} replayed{saved}, {live:,} spent live{spent}"


def cost_lines(cost: Cost) -> list[str]:
    """``llmrec: no price for: my-model (1,234 tokens); ...``: counted in tokens only, never guessed."""
    if not cost.no_price:
        return []
    ranked = sorted(cost.no_price.items(), key=lambda item: (-item[1], item[0]))
    named = ", ".join(f"{model} ({tokens:,} tokens)" for model, tokens in ranked[:MAX_LISTED])
    more = f" and {len(ranked) - MAX_LISTED} more" if len(ranked) > MAX_LISTED else ""
    return [f"llmrec: no price for: {named}{more}; give one with the ini option llm_prices"]
