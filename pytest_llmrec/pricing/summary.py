"""What the terminal summary says of dollars: beside the token counts, and the models with no price."""

from __future__ import annotations

from pytest_llmrec.pricing.cost import Cost, budget_text, dollars_text

MAX_LISTED = 10


def tokens_text(replayed: int, live: int, cost: Cost) -> str:
    """``tokens: 1,200 replayed ($0.0031 saved), 300 spent live ($0.0008)``; a count whose responses
    were all of models with no price has no dollars beside it."""
    saved = f" ({dollars_text(cost.saved)} saved)" if cost.saved else ""
    spent = f" ({dollars_text(cost.spent)})" if cost.spent else ""
    return f"tokens: {replayed:,} replayed{saved}, {live:,} spent live{spent}"


def cost_lines(cost: Cost, budget: float | None) -> list[str]:
    """``llmrec: no price for: my-model (1,234 tokens); ...``: counted in tokens only, never guessed;
    and how many live requests the budget refused."""
    lines = []
    if cost.refused and budget is not None:
        lines.append(
            f"llmrec: {cost.refused} live request(s) not sent: the run's live spend passed its budget "
            f"(--llm-budget={budget_text(budget).removeprefix('$')})"
        )
    if not cost.no_price:
        return lines
    ranked = sorted(cost.no_price.items(), key=lambda item: (-item[1], item[0]))
    named = ", ".join(f"{model} ({tokens:,} tokens)" for model, tokens in ranked[:MAX_LISTED])
    more = f" and {len(ranked) - MAX_LISTED} more" if len(ranked) > MAX_LISTED else ""
    return [*lines, f"llmrec: no price for: {named}{more}; give one with the ini option llm_prices"]
