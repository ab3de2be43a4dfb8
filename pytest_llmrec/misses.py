"""The message a user reads when a request has no recording."""

from __future__ import annotations

import shlex
from typing import Any

from pytest_llmrec.matching import RequestKey
from pytest_llmrec.recorder import LLMRecorder

BODY_PREVIEW = 600


def explain_miss(recorder: LLMRecorder, nodeid: str, key: RequestKey, occurrence: int, recorded: int) -> str:
    canonical: dict[str, Any] = key.canonical
    body = canonical.get("body")
    model = body.get("model") if isinstance(body, dict) else None
    body_text = repr(body)
    if len(body_text) > BODY_PREVIEW:
        body_text = body_text[:BODY_PREVIEW] + " ..."
    what = f"{canonical['method']} {canonical['path']}" + (f" (model {model!r})" if model else "")
    if occurrence > 1 and recorded:
        reason = f"this is call #{occurrence} of an identical request; {recorded} were recorded"
    else:
        reason = "no recording matches this request"
    config = recorder.config
    return "\n".join(
        [
            f"pytest-llmrec: {what}: {reason} (mode {config.mode.value!r}).",
            f"  test:            {nodeid}",
            f"  scope:           {config.scope}",
            f"  recordings dir:  {config.recordings_dir}",
            f"  looked for:      {key.digest}" + (f" (occurrence {occurrence})" if occurrence > 1 else ""),
            f"  request body:    {body_text}",
            f"  to record it:    pytest --llm-record=record-missing {shlex.quote(nodeid)}",
        ]
    )
