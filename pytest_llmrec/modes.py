"""Recording modes: what happens to a request, and the names other recorders use for them."""

from __future__ import annotations

import enum

from pytest_llmrec.errors import ConfigError, did_you_mean


class Mode(str, enum.Enum):
    """What happens to a request: replay it, record it, or let it through."""

    REPLAY = "replay"
    RECORD_MISSING = "record-missing"
    REWRITE = "rewrite"
    LIVE = "live"
    VERIFY = "verify"  # replay, and also ask the provider live to compare shapes; write nothing

    @property
    def goes_live_on_hit(self) -> bool:
        return self in (Mode.REWRITE, Mode.LIVE)

    @property
    def records(self) -> bool:
        return self in (Mode.RECORD_MISSING, Mode.REWRITE)


# Names other recorders use for the same behaviour, so users can keep their habits.
MODE_ALIASES: dict[str, Mode] = {
    "none": Mode.REPLAY,  # VCR.py
    "once": Mode.RECORD_MISSING,  # VCR.py
    "new_episodes": Mode.RECORD_MISSING,  # VCR.py
    "record-if-missing": Mode.RECORD_MISSING,  # llama-stack
    "all": Mode.REWRITE,  # VCR.py
    "record": Mode.REWRITE,  # llama-stack
}


def valid_modes_text() -> str:
    modes = ", ".join(m.value for m in Mode)
    aliases = ", ".join(f"{alias}={mode.value}" for alias, mode in MODE_ALIASES.items())
    return f"valid modes: {modes} (aliases: {aliases})"


def parse_mode(value: str | Mode, source: str) -> Mode:
    """Turn a mode name or alias into a Mode; ``source`` says where it came from."""
    if isinstance(value, Mode):
        return value
    text = str(value).strip().lower().replace("_", "-")
    for candidate in (text, text.replace("-", "_")):
        if candidate in MODE_ALIASES:
            return MODE_ALIASES[candidate]
    try:
        return Mode(text)
    except ValueError:
        names = [*(mode.value for mode in Mode), *MODE_ALIASES]
        raise ConfigError(
            f"unknown recording mode {value!r} in {source}; {valid_modes_text()}{did_you_mean(text, names)}"
        ) from None
