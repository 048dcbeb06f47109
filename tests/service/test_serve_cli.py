"""Exit codes of `cccd serve`, `cccd keys` and `cccd purge` as processes, against README's table.

0 done (a graceful stop on SIGTERM/SIGINT too), 2 usage (bad option, a port in use,
an unknown host, a missing trust file, a bad key variable), 4 the database cannot be
reached (a link problem), 6 a trust file that is not a certificate. Never a
traceback, never a password from the database URL.
"""

from __future__ import annotations

import os
import signal
import socket
from pathlib import Path
from typing import Any

import pytest

from svc_support import Server, free_port, run_cccd

UNREACHABLE = "postgresql://cccd:hunter2@127.0.0.1:1/nowhere"


def test_black_hole_database_is_unreachable_not_a_hang(tmp_path: Path) -> None:
    """A port that accepts connections and never answers: exit 4 after libpq's connect timeout."""
    with socket.socket() as hole:
        hole.bind(("127.0.0.1", 0))
        hole.listen(8)
        port = hole.getsockname()[1]
        r = run_cccd("keys", "list", "--db", f"postgresql://cccd:hunter2@127.0.0.1:{port}/x?connect_timeout=2")
    assert r.returncode == 4, r.stderr
    _clean(r.stderr)


def _clean(stderr: str) -> None:
    assert "Traceback" not in stderr and "hunter2" not in stderr


def test_port_in_use_is_a_usage_error(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        db = tmp_path / "never.db"
        r = run_cccd("serve", "--db", f"sqlite:///{db}", "--port", str(port), "--workers", "1")
    assert r.returncode == 2, r.stderr
    assert f"cannot listen on 127.0.0.1:{port}: the port is in use" in r.stderr
    _clean(r.stderr)
    assert not db.exists()  # refused before the database was touched or a worker started


@pytest.mark.parametrize("args,words", [
    (["--host", "no-such-host.invalid"], "unknown host name"),
    (["--port", "0"], "--port"),
    (["--port", "70000"], "--port"),
    (["--workers", "0"], "--workers"),
    (["--max-body", "10"], "--max-body"),
    (["--csca", "/nonexistent/csca.pem"], "--csca file not found"),
    (["--masterlist", "/nonexistent/ml.bin"], "--masterlist needs --masterlist-root"),
    (["--trust-known", "vn-cccd"], "--trust-known is not available"),
])
def test_serve_usage_errors_exit_2(tmp_path: Path, args: list[str], words: str) -> None:
    r = run_cccd("serve", "--db", f"sqlite:///{tmp_path / 'x.db'}", *args)
    assert r.returncode == 2, r.stderr
    assert words in r.stderr
    _clean(r.stderr)


def test_serve_bad_key_variable_exits_2(tmp_path: Path) -> None:
    env = {**os.environ, "CCCD_SERVICE_DUMP_KEY": "00" * 31}
    r = run_cccd("serve", "--db", f"sqlite:///{tmp_path / 'x.db'}", "--store-dumps", env=env)
    assert r.returncode == 2 and "CCCD_SERVICE_DUMP_KEY must be 64 hex digits" in r.stderr
    assert "00" * 31 not in r.stderr  # the value is never echoed


def test_serve_trust_file_that_is_no_certificate_exits_6(tmp_path: Path) -> None:
    bad = tmp_path / "csca.pem"
    bad.write_text("not a certificate\n")
    r = run_cccd("serve", "--db", f"sqlite:///{tmp_path / 'x.db'}", "--csca", str(bad), "--port", "1")
    assert r.returncode == 6, r.stderr
    _clean(r.stderr)


@pytest.mark.parametrize("argv", [
    ["serve"],
    ["keys", "create", "--name", "x"],
    ["keys", "list"],
    ["keys", "revoke", "x"],
    ["purge", "--older-than", "30"],
])
def test_unreachable_database_exits_4(argv: list[str]) -> None:
    if argv[0] == "serve":  # serve listens before it opens the database: not on the database's port
        argv = [*argv[:1], "--port", str(free_port())]
    r = run_cccd(*argv, "--db", UNREACHABLE)
    assert r.returncode == 4, r.stderr
    assert "database" in r.stderr
    _clean(r.stderr)


@pytest.mark.parametrize("argv", [
    ["purge", "--older-than", "-1"],
    ["purge"],
    ["keys", "create"],
    ["keys", "create", "--name", "x", "--scope", "root"],
    ["keys", "create", "--name", "\x07"],
    ["keys", "revoke", "no-such-key"],
])
def test_keys_and_purge_usage_errors_exit_2(tmp_path: Path, argv: list[str]) -> None:
    r = run_cccd(*argv, "--db", f"sqlite:///{tmp_path / 'k.db'}")
    assert r.returncode == 2, r.stderr
    _clean(r.stderr)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_graceful_stop_exits_0(tmp_path: Path, dumps: Any, sig: int) -> None:
    s = Server(f"sqlite:///{tmp_path / 's.db'}", tmp_path, "--csca", str(dumps.csca()), "--workers", "1")
    s.start()
    try:
        assert s.client().get("/healthz").status_code == 200
    finally:
        code = s.stop(sig)
    assert code == 0, s.log.read_text()[-2000:]
    assert not s.orphans  # the verification process ended with its server
