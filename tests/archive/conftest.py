"""Fixtures for the archive engine: a generated archive of dumps and a real Dask cluster on loopback.

``archive_set`` (session): cards of four emulator profiles (one CSCA -> DSC per profile) are
personalised once and read in-process into dumps; ``dumps.jsonl`` then holds 2,000 single-file
dumps: copies of the genuine ones, tampered twins (one DG2 byte changed: ``failed``) and
malformed lines (``error``). A CRL of the ``passport-bac`` CSCA revoking its DSC (serial 0x1001)
is written beside the ordinary CRLs (which revoke nothing).

``dask_cluster`` (session): ``dask scheduler`` and two ``dask worker`` processes (no nanny, one
thread each) started as subprocesses on 127.0.0.1 and stopped by their PIDs.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from cccd_chip.emulator import card_pki
from cccd_chip.emulator.applet import Applet
from cccd_chip.emulator.card import VirtualCard
from cccd_chip.emulator.personalize import personalize
from cccd_chip.emulator.profiles import get as get_profile
from cccd_chip.reader import Credential, read_document
from cccd_chip.transport.local import LocalTransport
from testsupport.cli import cccd_argv, run_cccd_process

PROFILES = ("cccd-2021", "cccd-2024", "passport-bac", "passport-pace-cam")
REVOKED_PROFILE = "passport-bac"
SEEDS = (1, 2)
COPIES = 201  # of each genuine dump: 4 profiles x 2 seeds x 201 = 1,608
TAMPERED = 48  # copies of each tampered twin: 8 x 48 = 384
MALFORMED = (
    b"not json",
    b'{"format": "cccd-dump", "version": 1, "files": {"DG1": "zz"}}',
    b'{"format": "something-else"}',
    b"[" * 50_000 + b"]" * 50_000,
    b'{"format": "cccd-dump", "version": 1, "files": {"../x": "00"}}',
    b'{"format": "cccd-dump", "version": 1, "files": {}, "access": 7}',
    b'"a string"',
    b"\xff\xfe\x00",
)
AT = "2026-06-01T00:00:00Z"
DASK = Path(sys.executable).parent / "dask"


@dataclass
class ArchiveSet:
    root: Path
    jsonl: Path
    genuine: dict[str, list[bytes]]  # profile -> single-file dumps (compact JSON)
    kinds: dict[str, str]  # id -> "genuine:<profile>" | "tampered:<profile>" | "malformed"
    trust: list[str] = field(default_factory=list)  # --csca/--crl options, no revocation
    revoking_trust: list[str] = field(default_factory=list)  # the same with the revoking CRL

    def ids(self, kind_prefix: str) -> set[str]:
        return {k for k, v in self.kinds.items() if v.startswith(kind_prefix)}


def _credential(card: VirtualCard) -> Credential:
    s = card.secrets
    if "id" in s:
        return Credential.from_cccd_id(s["id"])
    return Credential.from_mrz(s["document_number"], s["date_of_birth"], s["date_of_expiry"])


def tamper(dump: bytes) -> bytes:
    m = json.loads(dump)
    dg2 = bytearray.fromhex(m["files"]["DG2"])
    dg2[-100] ^= 0x01
    m["files"]["DG2"] = dg2.hex().upper()
    return json.dumps(m, separators=(",", ":")).encode()


@pytest.fixture(scope="session")
def archive_set(tmp_path_factory) -> ArchiveSet:
    root = tmp_path_factory.mktemp("archive-set")
    genuine: dict[str, list[bytes]] = {}
    trust: list[str] = []
    revoking: list[str] = []
    for prof in PROFILES:
        for seed in SEEDS:
            card_dir = personalize(prof, seed, root / "cards" / f"{prof}-{seed}")
            card = VirtualCard.load(card_dir)
            doc = read_document(LocalTransport(Applet(card)), _credential(card), source=f"emulator:{prof}")
            genuine.setdefault(prof, []).append(
                json.dumps(doc.manifest(inline=True), separators=(",", ":")).encode())
        card_dir = root / "cards" / f"{prof}-{SEEDS[0]}"
        trust += ["--csca", str(card_dir / "csca.pem")]
        revoking += ["--csca", str(card_dir / "csca.pem")]
        trust += ["--crl", str(card_dir / "csca.crl")]
        if prof == REVOKED_PROFILE:
            p = get_profile(prof)
            csca = card_pki.make_csca(p.country, p.csca, label=p.name, explicit=p.explicit_csca)
            crl = root / f"{prof}-revoked.crl"
            crl.write_bytes(card_pki.make_crl(csca, (0x1001,), label=f"{p.name}|test-revoked"))
            revoking += ["--crl", str(crl)]
        else:
            revoking += ["--crl", str(card_dir / "csca.crl")]
    jsonl = root / "dumps.jsonl"
    kinds: dict[str, str] = {}
    lines: list[tuple[str, bytes]] = []
    for i in range(COPIES):
        for prof, dumps in genuine.items():
            lines += [(f"genuine:{prof}", d) for d in dumps]
        if i < TAMPERED:
            for prof, dumps in genuine.items():
                lines += [(f"tampered:{prof}", tamper(d)) for d in dumps]
        if i < len(MALFORMED):
            lines.append(("malformed", MALFORMED[i]))
    with open(jsonl, "wb") as f:
        for n, (kind, data) in enumerate(lines, start=1):
            f.write(data + b"\n")
            kinds[f"{jsonl}:{n}"] = kind
    assert len(kinds) == 2000
    return ArchiveSet(root, jsonl, genuine, kinds, trust, revoking)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DaskCluster:
    """A scheduler and named workers as subprocesses; every one stopped by its PID."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.scheduler = self._spawn("scheduler", [str(DASK), "scheduler", "--host", "127.0.0.1", "--port",
                                                   str(self.port), "--no-dashboard"])
        self.workers: dict[str, subprocess.Popen] = {}

    def _spawn(self, name: str, argv: list[str]) -> subprocess.Popen:
        log = open(self.tmp / f"{name}.log", "ab")
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        return subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                                cwd=self.tmp)

    def start_worker(self, name: str) -> subprocess.Popen:
        proc = self._spawn(name, [str(DASK), "worker", self.address, "--name", name, "--nthreads", "1",
                                  "--nworkers", "1", "--no-nanny", "--no-dashboard", "--host", "127.0.0.1"])
        self.workers[name] = proc
        return proc

    def wait_for_workers(self, n: int, timeout: float = 90.0) -> None:
        from distributed import Client

        deadline = time.monotonic() + timeout
        with Client(self.address, timeout=timeout, set_as_default=False) as c:
            while len(c.nthreads()) < n:
                assert time.monotonic() < deadline, f"only {len(c.nthreads())} of {n} Dask workers came up"
                for name, proc in self.workers.items():
                    assert proc.poll() is None, f"worker {name} exited: {(self.tmp / f'{name}.log').read_text()[-2000:]}"
                time.sleep(0.2)

    def kill_worker(self, name: str) -> None:
        proc = self.workers.pop(name)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)

    def stop(self) -> None:
        for proc in list(self.workers.values()) + [self.scheduler]:
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGTERM)
        for proc in list(self.workers.values()) + [self.scheduler]:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


@pytest.fixture(scope="session")
def dask_cluster(tmp_path_factory):
    cluster = DaskCluster(tmp_path_factory.mktemp("dask"))
    try:
        cluster.start_worker("w1")
        cluster.start_worker("w2")
        cluster.wait_for_workers(2)
        yield cluster
    finally:
        cluster.stop()


cccd = run_cccd_process


def cccd_popen(*args, stdout=subprocess.PIPE) -> subprocess.Popen:
    return subprocess.Popen(cccd_argv(*args), stdout=stdout, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)


def result_lines(text: str) -> list[dict]:
    return [json.loads(ln) for ln in text.splitlines() if ln.strip()]


def summary_of(stderr: str) -> dict:
    for ln in reversed(stderr.splitlines()):
        if ln.startswith("{") and '"cccd-archive-summary/1"' in ln:
            return json.loads(ln)
    raise AssertionError(f"no summary in stderr: {stderr[-2000:]}")


def without_time(lines: list[dict]) -> list[dict]:
    return [{k: v for k, v in ln.items() if k != "verified_at"} for ln in lines]
