"""The guard's parts: what counts as the network, what children inherit, and what is put back."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest

from pytest_llmrec.errors import LiveConnectionBlockedError
from pytest_llmrec.intercept import audit, children
from pytest_llmrec.intercept.guard import guarding, is_loopback, network_guard, replay_guard


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.0.3", True),
        ("::1", True),
        ("localhost", True),
        ("fe80::1%lo", False),
        ("192.0.2.1", False),
        ("2001:db8::1", False),
        ("api.openai.com", False),
    ],
)
def test_loopback_is_this_machine(host, loopback):
    assert is_loopback(host) is loopback


def test_a_watching_guard_notes_addresses_past_loopback_and_refuses_nothing():
    guard = network_guard(frozenset({"db.internal"}), "t.py::x", blocking=False)
    for address in [("127.0.0.1", 1), ("db.internal", 5432), ("192.0.2.1", 443), ("::1", 2)]:
        guard.address("connect to", address)
    guard.native("connect")
    assert (guard.reached, guard.refused) == (["192.0.2.1:443"], [])


def test_a_blocking_guard_refuses_and_remembers():
    guard = replay_guard(frozenset(), "t.py::x")
    with pytest.raises(LiveConnectionBlockedError, match=r"^pytest-llmrec: t.py::x is replaying, but "):
        guard.address("send to", ("127.0.0.1", 53))
    assert guard.refused == ["127.0.0.1:53"]


def test_children_get_a_refusing_proxy_the_allowed_hosts_and_the_guard():
    found = children.variables(["db", "10.0.0.5"], "t.py::x is replaying", None, "/mine")
    proxy = found["HTTPS_PROXY"]
    assert proxy.startswith("http://127.0.0.1:")
    assert {found[name] for name in children.PROXY_VARIABLES} == {proxy}
    assert (found["NO_PROXY"], found["no_proxy"]) == ("10.0.0.5,db", "10.0.0.5,db")
    assert found["PYTHONPATH"] == children.SITE_DIR + os.pathsep + "/mine"
    assert json.loads(found[children.SPEC_VARIABLE])["allowed"] == ["10.0.0.5", "db"]


@pytest.mark.parametrize(
    ("request_line", "target"),
    [
        (b"GET http://192.0.2.1:8080/v1/models HTTP/1.1", "192.0.2.1:8080"),
        (b"POST http://api.example.com/v1 HTTP/1.1", "api.example.com:80"),
        (b"CONNECT api.example.com:443 HTTP/1.1", "api.example.com:443"),
        (b"\x05\x01\x00", "an unknown address (not an HTTP proxy request)"),
    ],
)
def test_the_proxy_answers_403_and_notes_the_target(request_line, target):
    report = children.report_file()
    report.write_text("")
    with socket.create_connection(("127.0.0.1", children.proxy_port()), timeout=5) as sock:
        sock.sendall(request_line + b"\r\nHost: x\r\n\r\n")
        answer = b"".join(iter(lambda: sock.recv(4096), b""))
    assert answer.startswith(b"HTTP/1.1 403 Forbidden\r\n")
    assert answer.endswith(f"tried to reach {target}: refused.\n".encode())
    assert children.refused() == [target]


def test_an_explicit_child_environment_gets_the_variables_once():
    env = {"PYTHONPATH": "/mine", "PATH": "/bin"}
    children.extend(env, ["db"], "t.py::x is replaying", None)
    children.extend(env, ["db"], "t.py::x is replaying", None)  # a child passing its environment on
    assert env["PYTHONPATH"] == children.SITE_DIR + os.pathsep + "/mine"
    assert env["PATH"] == "/bin" and env["NO_PROXY"] == "db"
    children.extend(os.environ, ["db"], "t.py::x", None)  # never this process's own mapping
    assert children.SPEC_VARIABLE not in os.environ


def test_the_c_environment_and_the_send_methods_are_put_back():
    methods = {name: socket.socket.__dict__.get(name) for name in ("send", "sendall", "sendto")}
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as earlier:
        earlier.connect(("127.0.0.1", 9))  # UDP: connected, nothing sent
        with guarding(replay_guard(frozenset(), "t.py::x")) as guard:
            assert audit.current is guard
            with pytest.raises(LiveConnectionBlockedError, match="before the test started"):
                earlier.send(b"x")
            shell = subprocess.run(["sh", "-c", "echo $HTTPS_PROXY"], capture_output=True, text=True)
            assert shell.stdout.startswith("http://127.0.0.1:")
        assert audit.current is None or audit.current is not guard
    assert {name: socket.socket.__dict__.get(name) for name in methods} == methods
    shell = subprocess.run(["sh", "-c", "echo ${HTTPS_PROXY-unset}"], capture_output=True, text=True)
    assert shell.stdout.strip() == os.environ.get("HTTPS_PROXY", "unset")


def test_a_python_child_still_runs_the_sitecustomize_it_hides(tmp_path):
    (tmp_path / "sitecustomize.py").write_text("import builtins\nbuiltins.CHAINED = True\n")
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(tmp_path)}
    children.extend(env, [], "t.py::x is replaying", tmp_path / "refused.txt")
    code = (
        "import builtins, socket\n"
        "assert builtins.CHAINED\n"
        "try:\n socket.create_connection(('127.0.0.1', 9))\n"
        "except BaseException as error:\n print(type(error).__name__, error)\n"
    )
    child = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert child.stdout.startswith(
        "LiveConnectionBlockedError pytest-llmrec: a child process of t.py::x is replaying, but something "
        "tried to connect to 127.0.0.1:9"
    ), child.stderr
    assert (tmp_path / "refused.txt").read_text() == "127.0.0.1:9\n"
