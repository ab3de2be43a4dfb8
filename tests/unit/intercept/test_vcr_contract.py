"""The private parts of VCR.py we lean on, checked against the installed release.

pytest-llmrec replaces VCR.py's httpx/httpx2 patch groups with its own stubs, calls the
real transport methods VCR.py saved, and hands VCR.py's stubs a duck-typed cassette. A
VCR.py release that renames or reshapes any of these fails here, by name, rather than as
a test that quietly stops recording.
"""

from __future__ import annotations

import importlib.util
import inspect
import re
from pathlib import Path

import pytest
import vcr
from vcr import patch as vcr_patch
from vcr.patch import CassettePatcherBuilder

from pytest_llmrec.config import RecordingConfig
from pytest_llmrec.intercept.patchers import CLIENT_MODULES, PatcherBuilder, intercepting
from pytest_llmrec.intercept.vcr_cassette import VcrCassette
from pytest_llmrec.modes import Mode
from pytest_llmrec.tape import Tape

VCR_DIR = Path(vcr.__file__).parent
HTTPX_MODULES = [m for m in ("httpx", "httpx2") if importlib.util.find_spec(m) is not None]


def tape(tmp_path: Path) -> Tape:
    return Tape(RecordingConfig("t::x", Mode.REPLAY, tmp_path), "t::x")


def test_the_patcher_builder_has_the_groups_and_helpers_we_override_or_call():
    for name in ("build", "_httpx", "_httpx2", "_build_patchers_from_mock_triples"):
        assert callable(getattr(CassettePatcherBuilder, name, None)), f"CassettePatcherBuilder.{name} is gone"
    assert list(inspect.signature(CassettePatcherBuilder.__init__).parameters) == ["self", "cassette"]
    assert list(inspect.signature(CassettePatcherBuilder._build_patchers_from_mock_triples).parameters) == [
        "self",
        "mock_triples",
    ]


@pytest.mark.parametrize("module_name", HTTPX_MODULES)
def test_vcr_keeps_the_real_transport_methods_under_the_names_we_call(module_name):
    httpx = pytest.importorskip(module_name)
    prefix = "Httpx" if module_name == "httpx" else "Httpx2"
    assert getattr(vcr_patch, f"_{prefix}HttpTransport_handle_request") is httpx.HTTPTransport.handle_request
    real_async = getattr(vcr_patch, f"_{prefix}AsyncHttpTransport_handle_async_request")
    assert real_async is httpx.AsyncHTTPTransport.handle_async_request


@pytest.mark.parametrize("module_name", HTTPX_MODULES)
def test_our_stubs_replace_vcrs_on_the_network_transports_only(tmp_path, module_name):
    httpx = pytest.importorskip(module_name)
    real = httpx.HTTPTransport.handle_request
    mock_transport = httpx.MockTransport.handle_request
    with intercepting(tape(tmp_path)):
        for method in (httpx.HTTPTransport.handle_request, httpx.AsyncHTTPTransport.handle_async_request):
            assert Path(method.__code__.co_filename).name == "transports.py", method  # ours, wrapping...
            assert method.__wrapped__.__module__.startswith(module_name)  # ...the real one VCR.py saved
        assert httpx.MockTransport.handle_request is mock_transport  # in-process: left alone
    assert httpx.HTTPTransport.handle_request is real  # and everything is unpatched afterwards


def test_build_leaves_out_the_groups_a_cassette_skips(tmp_path):
    skipped = tuple(CLIENT_MODULES)  # every group but httplib, which is always there
    patchers = list(PatcherBuilder(VcrCassette(tape(tmp_path), skip_patchers=skipped)).build())
    targets = {patcher.getter().__name__ for patcher in patchers}
    assert targets == {"http.client"}, targets


def _cassette_members_used() -> set[str]:
    """Every attribute VCR.py's stubs and patcher builder read on a cassette.

    vcr/errors.py is left out: it only runs when ``write_protected`` is true, which ours never is.
    """
    used: set[str] = set()
    for path in [*sorted((VCR_DIR / "stubs").glob("*.py")), VCR_DIR / "patch.py"]:
        text = path.read_text()
        used |= set(re.findall(r"\bcassette\.([A-Za-z_]\w*)", text))
        used |= set(re.findall(r"getattr\(self\._cassette, \"(\w+)\"", text))
    return used


def test_our_cassette_has_every_member_vcrs_stubs_use(tmp_path):
    used = _cassette_members_used()
    assert {"can_play_response_for", "play_response", "append"} <= used  # the scan itself still works
    cassette = VcrCassette(tape(tmp_path))
    missing = sorted(name for name in used if not hasattr(cassette, name))
    assert not missing, f"VCR.py's stubs use cassette members VcrCassette lacks: {missing}"
    assert cassette.write_protected is False  # the one assumption that keeps vcr/errors.py out of reach
