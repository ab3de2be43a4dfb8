"""pytest-llmrec: record LLM traffic once, replay it offline in every later run.

The pytest plugin itself lives in ``pytest_llmrec.plugin`` (registered through the
``pytest11`` entry point). This package exports what README's "Python API" section
documents: the ``llm_recorder`` fixture's value, the modes, every error and warning a
test can meet, and the body matcher for plain VCR.py.
"""

from pytest_llmrec.errors import (
    BudgetExceededError,
    ConfigError,
    LiveConnectionBlockedError,
    LLMRecordingError,
    RecordingFileError,
    RecordingMissError,
    RecordingWarning,
    RecordingWriteError,
    SecretInRecordingError,
)
from pytest_llmrec.matching import body_hash_matcher
from pytest_llmrec.modes import Mode
from pytest_llmrec.recorder import Exchange, LLMRecorder

__version__ = "0.1.0"

__all__ = [
    "BudgetExceededError",
    "ConfigError",
    "Exchange",
    "LLMRecorder",
    "LLMRecordingError",
    "LiveConnectionBlockedError",
    "Mode",
    "RecordingFileError",
    "RecordingMissError",
    "RecordingWarning",
    "RecordingWriteError",
    "SecretInRecordingError",
    "__version__",
    "body_hash_matcher",
]
