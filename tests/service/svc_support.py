"""Fixtures for the service tests: a real PostgreSQL cluster, real `cccd serve` processes, real dumps.

- PostgreSQL (Debian's ``postgresql``): a throw-away cluster made by ``initdb`` in a
  temporary folder, run by a dedicated unprivileged user (``cccd-pgtest``, created
  with ``useradd`` when the tests run as root; PostgreSQL refuses to run as root),
  listening on a free loopback port and a unix socket in that folder, stopped by
  its PID. Every test gets a database of its own.
- ``db_url`` is parametrized over SQLite and PostgreSQL: the same tests run on both.
- :class:`Server` starts ``cccd serve`` as a process on a free loopback port and
  stops it by PID (SIGTERM, or SIGKILL for the durability test).
"""

from __future__ import annotations

import glob
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Optional

import httpx
import pytest

from testsupport.net import free_port

REPO = Path(__file__).resolve().parents[2]
PG_USER = "cccd-pgtest"
AT = "2026-12-01T00:00:00Z"  # fixed reference time: reports are comparable byte for byte
HASH_KEY = "11" * 32
DUMP_KEY = "22" * 32


def cccd_cmd(*args: str) -> list[str]:
    """The `cccd` command of this checkout (the console script's entry point, in this interpreter)."""
    return [sys.executable, "-c", "import sys; from host_cli.main import main; main(sys.argv[1:])", *map(str, args)]


def run_cccd(*args: str, env: Optional[dict] = None, cwd: Optional[Path] = None) -> subprocess.CompletedProcess:
    return subprocess.run(cccd_cmd(*args), capture_output=True, text=True, env=env, cwd=cwd, timeout=300)


# --- PostgreSQL ---------------------------------------------------------------------------------

def _pg_bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                        key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    if not candidates:
        pytest.fail(f"PostgreSQL's {name} not found: install the Debian package 'postgresql' (make setup does)")
    return candidates[-1]


def _pg_account() -> tuple[Optional[int], Optional[int]]:
    """(uid, gid) to run PostgreSQL as: a dedicated user when we are root, else ourselves (None)."""
    if os.geteuid() != 0:
        return None, None
    try:
        pw = pwd.getpwnam(PG_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent",
                        "--shell", "/usr/sbin/nologin", PG_USER], check=True, capture_output=True)
        pw = pwd.getpwnam(PG_USER)
    return pw.pw_uid, pw.pw_gid


class PgCluster:
    def __init__(self) -> None:
        self.uid, self.gid = _pg_account()
        self.root = Path(tempfile.mkdtemp(prefix="cccd-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        if self.uid is not None:
            os.chown(self.root, self.uid, self.gid)
        self.proc: Optional[subprocess.Popen] = None

    def _run_as(self) -> dict:
        return {} if self.uid is None else {"user": self.uid, "group": self.gid, "extra_groups": []}

    def start(self) -> None:
        subprocess.run([_pg_bin("initdb"), "-D", str(self.data), "-U", "cccd", "--auth=trust", "-E", "UTF8",
                        "--no-sync", "--locale=C"], check=True, capture_output=True, cwd=self.root, **self._run_as())
        log = open(self.root / "postgres.log", "wb")
        self.proc = subprocess.Popen(
            [_pg_bin("postgres"), "-D", str(self.data), "-p", str(self.port), "-k", str(self.root),
             "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=100", "-c", "shared_buffers=32MB"],
            stdout=log, stderr=subprocess.STDOUT, cwd=self.root, **self._run_as())
        deadline = time.monotonic() + 60
        import psycopg

        while True:
            try:
                psycopg.connect(self.admin_dsn, connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    tail = (self.root / "postgres.log").read_text(errors="replace")[-2000:]
                    self.stop()
                    pytest.fail(f"PostgreSQL did not start:\n{tail}")
                time.sleep(0.2)

    @property
    def admin_dsn(self) -> str:
        return f"postgresql://cccd@127.0.0.1:{self.port}/postgres"

    def new_database(self) -> str:
        import psycopg

        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql://cccd@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGINT)  # PostgreSQL's "fast shutdown"
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_cluster():
    cluster = PgCluster()
    cluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    """A fresh, empty database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'service.db'}"
    return request.getfixturevalue("pg_cluster").new_database()


# --- dumps of virtual cards -------------------------------------------------------------------------

class Dumps:
    """Virtual cards made with `cccd personalize`, read with `cccd read --virtual ... --out x.json`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._made: dict = {}

    def card(self, seed: int = 3, profile: str = "cccd-2021") -> Path:
        d = self.root / f"{profile}-{seed}"
        if not d.exists():
            r = run_cccd("personalize", "--profile", profile, "--seed", seed, "--out", d)
            assert r.returncode == 0, r.stderr
        return d

    def dump(self, seed: int = 3, profile: str = "cccd-2021") -> Path:
        key = (seed, profile)
        if key not in self._made:
            card = self.card(seed, profile)
            secrets = json.loads((card / "card.json").read_text())["secrets"]
            out = self.root / f"{profile}-{seed}.json"
            cred = ["--id", secrets["id"]] if "id" in secrets else ["--can", secrets["can"]]
            r = run_cccd("read", "--virtual", card, *cred, "--out", out)
            assert r.returncode in (0, 3), r.stderr
            self._made[key] = out
        return self._made[key]

    def csca(self, seed: int = 3, profile: str = "cccd-2021") -> Path:
        return self.card(seed, profile) / "csca.pem"


@pytest.fixture(scope="session")
def dumps(tmp_path_factory) -> Dumps:
    return Dumps(tmp_path_factory.mktemp("service-dumps"))


def tampered(dump: Path, out: Path, name: str = "DG1") -> Path:
    """The dump with one byte of a data group changed (its SOD hash no longer matches)."""
    m = json.loads(dump.read_text())
    raw = bytearray.fromhex(m["files"][name])
    raw[-1] ^= 0x01
    m["files"][name] = raw.hex().upper()
    out.write_text(json.dumps(m))
    return out


# --- the server as a process -------------------------------------------------------------------------

class Server:
    """`cccd serve` on a free loopback port; stopped by PID."""

    def __init__(self, db: str, workdir: Path, *extra: str, env: Optional[dict] = None) -> None:
        self.db, self.workdir, self.extra = db, workdir, extra
        self.env = dict(os.environ, CCCD_SERVICE_HASH_KEY=HASH_KEY, **(env or {}))
        self.env.pop("CCCD_SERVICE_DB", None)
        self.port = free_port()
        self.proc: Optional[subprocess.Popen] = None
        self.log = workdir / f"serve-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 90.0) -> "Server":
        self.port = self.port if self.proc is None else free_port()
        self.log = self.workdir / f"serve-{self.port}.log"
        self.proc = subprocess.Popen(cccd_cmd("serve", "--db", self.db, "--port", self.port, *self.extra),
                                     stdout=subprocess.DEVNULL, stderr=open(self.log, "wb"), env=self.env,
                                     cwd=self.workdir)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"cccd serve exited {self.proc.returncode}:\n{self.log.read_text()[-3000:]}")
            try:
                if httpx.get(self.url + "/readyz", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise AssertionError(f"cccd serve not ready in {timeout} s:\n{self.log.read_text()[-3000:]}")

    def children(self) -> list[int]:
        """PIDs of the server's verification processes."""
        out = []
        for stat in glob.glob("/proc/[0-9]*/stat"):
            try:
                ppid = int(Path(stat).read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            if self.proc is not None and ppid == self.proc.pid:
                out.append(int(stat.split("/")[2]))
        return out

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Stop the server by PID; its pool processes must end by themselves (they watch their parent)."""
        if self.proc is None:
            return 0
        kids = self.children()
        if self.proc.poll() is None:
            os.kill(self.proc.pid, sig)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self.orphans = _wait_gone(kids, 15.0)
        return self.proc.returncode

    def key(self, scope: str = "verify", name: Optional[str] = None) -> str:
        r = run_cccd("keys", "create", "--db", self.db, "--name", name or f"k-{uuid.uuid4().hex[:6]}",
                     "--scope", scope, env=self.env)
        assert r.returncode == 0, r.stderr
        return r.stdout.strip()

    def client(self, key: Optional[str] = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)


def _wait_gone(pids: list[int], timeout: float) -> list[int]:
    """Wait for ``pids`` to end; stop leftovers by PID and return them (a test may assert there were none)."""
    deadline = time.monotonic() + timeout
    alive = list(pids)
    while alive and time.monotonic() < deadline:
        alive = [p for p in alive if Path(f"/proc/{p}").exists() and "Z" not in _state(p)]
        time.sleep(0.1)
    for p in alive:
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return alive


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return "Z"


@pytest.fixture
def server_factory(tmp_path):
    started: list[Server] = []

    def make(db: str, *extra: str, env: Optional[dict] = None) -> Server:
        s = Server(db, tmp_path, *extra, env=env)
        started.append(s)
        return s

    yield make
    for s in started:
        s.stop()
