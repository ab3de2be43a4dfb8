"""pytest-llmrec: record LLM traffic once, replay it offline in every later run.

The pytest plugin itself lives in ``pytest_llmrec.plugin`` (registered through the
``pytest11`` entry point); this package exports what tests and tools may use directly.
"""

from pytest_llmrec.errors import (
    ConfigError,
    LLMRecordingError,
    RecordingFileError,
    RecordingMissError,
    RecordingWarning,
)
from pytest_llmrec.matching import KeyOptions, body_hash_matcher, request_key
from pytest_llmrec.modes import Mode
from pytest_llmrec.recorder import Exchange, LLMRecorder

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "Exchange",
    "KeyOptions",
    "LLMRecorder",
    "LLMRecordingError",
    "Mode",
    "RecordingFileError",
    "RecordingMissError",
    "RecordingWarning",
    "__version__",
    "body_hash_matcher",
    "request_key",
]
