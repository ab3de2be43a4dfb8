"""Cassette names and paths compared with pytest-recording 0.14.1's own code, so a suite's files are found.

pytest-recording is not installed in the test venv; its source, when unpacked at /tmp/prsrc (see
the helper brief), is imported for the duration of a test only and forgotten afterwards, so that
the drop-in tests (skipped where pytest-recording is importable) still run.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest

from pytest_llmrec.dropin import names, vcr_options

SOURCE = Path("/tmp/prsrc")
LIMIT = names.max_filename_length()


@pytest.fixture
def pytest_recording(monkeypatch: pytest.MonkeyPatch) -> Iterator[SimpleNamespace]:
    if not (SOURCE / "pytest_recording" / "_vcr.py").is_file():
        pytest.skip("pytest-recording 0.14.1's source is not unpacked at /tmp/prsrc")
    monkeypatch.syspath_prepend(str(SOURCE))
    # Its __init__ asks pytest to rewrite vcr.matchers, imported long ago here: a warning per import.
    monkeypatch.setattr(pytest, "register_assert_rewrite", lambda *names: None)
    import pytest_recording._vcr as vcr_module
    import pytest_recording.plugin as plugin_module

    yield SimpleNamespace(vcr=vcr_module, plugin=plugin_module)
    for name in [name for name in sys.modules if name.split(".")[0] == "pytest_recording"]:
        del sys.modules[name]


def their_path(module: ModuleType, name: str, folder: str, config: dict[str, Any]) -> Path:
    """The cassette path pytest-recording's use_cassette opens, without opening it."""
    hook = SimpleNamespace(pytest_recording_configure=lambda **_: None)
    decorator = module.use_cassette(name, folder, "none", [], config, SimpleNamespace(hook=hook))
    merged = decorator._args_getter()
    return Path(merged["path_transformer"](merged["path"]))


def our_path(name: str, folder: str, config: dict[str, Any]) -> Path:
    vcr = vcr_options.make_vcr(folder, "none", (), config)
    return vcr_options.open_cassette(vcr, names.shortened(name, config), config, ()).path


@pytest.mark.parametrize(
    ("cls", "test"),
    [
        (None, "test_ask"),
        ("TestChat", "test_ask"),
        (None, "test_ids[a/b:c]"),
        ("TestX", "test_x[<>?%*:|\"'\\]"),
        (None, "test_unicode[é-ß]"),
    ],
)
def test_default_names_are_pytest_recordings(pytest_recording, cls, test):
    their_class = type(cls, (), {}) if cls else None
    assert names.default_cassette_name(cls, test) == pytest_recording.plugin.get_default_cassette_name(
        their_class, test
    )


@pytest.mark.parametrize(
    "config",
    [
        {},
        {"serializer": "json"},
        {"cassette_library_dir": "/elsewhere/cassettes"},
        {"path_transformer": lambda path: path + ".yml"},
    ],
    ids=["default", "json", "cassette_library_dir", "path_transformer"],
)
@pytest.mark.parametrize("length", [10, LIMIT - 5, LIMIT - 4, 3 * LIMIT])
def test_cassette_paths_are_pytest_recordings(pytest_recording, tmp_path, config, length):
    """Short names, names at the length limit either way (the suffix counted as pytest-recording counts
    it) and long ones shortened with their md5, in the module folder or the configured one."""
    name = ("test_" + "x" * length)[:length]
    folder = str(tmp_path / "cassettes" / "test_module")
    ours = our_path(name, folder, config)
    assert ours == their_path(pytest_recording.vcr, name, folder, config)
    assert len(ours.name) <= LIMIT + len(".yml")
