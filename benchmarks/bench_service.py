"""`cccd serve` under load vs. `cccd verify DIR` on the same dumps (issue 14), loopback only.

Makes virtual cards (`cccd personalize`), reads each once (`cccd read --virtual
--out`), and derives distinct single-file dumps from them (the ``source`` field
differs, so every dump is a new verification for the service). Then, in one run,
``--rounds`` paired rounds (the order of the pair alternates, so a drift of the
machine's load hits both sides alike):

1. batch: ``cccd verify DIR --workers 2 --jsonl`` over N dumps (wall time, process
   start included: that is the command's documents/s) -> documents/s;
2. service, saturated: ``cccd serve --workers 2`` (SQLite), C keep-alive clients
   POST N other dumps (closed loop, fixed count, capped duration) -> requests/s,
   p50/p99 latency.

The figure is the **median of the paired ratios** service/batch (goal >= 0.70).
Then the service at half the batch rate (median of the batch rounds): open loop,
one request every 2/rate seconds for a fixed duration, fresh dumps -> p50/p99
latency measured from the scheduled send time, so queueing counts (goal p99 <= 50 ms).
CPU per document is measured from /proc and getrusage (server process, its
verification workers, the load generator, the batch command) and the start-up cost
of the batch command is measured once, so its steady-state rate is shown too.
``--stages`` (on by default, ``--no-stages`` to skip) breaks the service's CPU down:
per request kind in the server process, and per stage of a verification worker.

The load generator is one asyncio loop with raw HTTP/1.1 on keep-alive connections
(pre-built requests), so it takes as little CPU as possible from the server on the
same 2 cores; it still shares the machine: the figures are a lower bound for a
dedicated host. The 1-minute load average is printed at the start, per round and at
the end. No absolute-time assertion. Usage:
``python benchmarks/bench_service.py [--quick] [-n N] [--rounds R]``.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

ROOT = Path(__file__).resolve().parents[1]
AT = "2026-12-01T00:00:00Z"
WORKERS = 2
CLI = "import sys; from host_cli.main import main; main(sys.argv[1:])"


def cccd(*args: object, env: Optional[dict[str, str]] = None) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-c", CLI, *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)


def load1() -> float:
    return os.getloadavg()[0]


def make_bases(work: Path, cards: int) -> tuple[list[dict[str, Any]], list[Path]]:
    bases, cscas = [], []
    for seed in range(1, cards + 1):
        card = work / f"card{seed}"
        r = cccd("personalize", "--seed", seed, "--out", card)
        assert r.returncode == 0, r.stderr
        secrets = json.loads((card / "card.json").read_text())["secrets"]
        out = work / f"base{seed}.json"
        r = cccd("read", "--virtual", card, "--id", secrets["id"], "--out", out)
        assert r.returncode in (0, 3), r.stderr  # 3: no trust anchor given to the read
        bases.append(json.loads(out.read_text()))
        cscas.append(card / "csca.pem")
    return bases, cscas


def variants(bases: list[dict[str, Any]], start: int, count: int) -> list[bytes]:
    """``count`` distinct dumps (the ``source`` field numbers them), cycling over the cards."""
    out = []
    for i in range(start, start + count):
        m = dict(bases[i % len(bases)])
        m["source"] = f"bench-{i}"
        out.append(json.dumps(m).encode())
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def cpu_seconds(pid: int) -> tuple[float, float]:
    """(CPU seconds of process ``pid``, of its children alive now) from /proc (Linux)."""
    tick = os.sysconf("SC_CLK_TCK")

    def fields(stat: Path) -> list[str]:
        return stat.read_text().rsplit(")", 1)[1].split()

    f = fields(Path(f"/proc/{pid}/stat"))
    own = (int(f[11]) + int(f[12])) / tick
    kids = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            f = fields(stat)
            if int(f[1]) == pid:
                kids += (int(f[11]) + int(f[12])) / tick
        except (OSError, ValueError, IndexError):
            continue
    return own, kids


def self_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def flushes(before: dict[str, float], after: dict[str, float]) -> str:
    """The record writer's batches between two /metrics samples: count, mean size, time in the database."""
    def d(name: str) -> float:
        return after.get(name, 0.0) - before.get(name, 0.0)

    n = d("cccd_db_commits_total")
    if n <= 0:
        return "no database batches"
    bounds = sorted(float(k.split('"')[1]) for k in after if k.startswith("cccd_db_flush_duration_seconds_bucket")
                    and "+Inf" not in k)
    counts = {b: d(f'cccd_db_flush_duration_seconds_bucket{{le="{b:g}"}}') for b in bounds}
    total = d("cccd_db_flush_duration_seconds_count")
    if total <= 0:  # a service without the flush histogram
        return f"{n:.0f} database batches of {d('cccd_db_records_total') / n:.2f} records"
    over = ", ".join(f"{100 * (1 - counts[b] / total):.1f} % over {b * 1000:g} ms" for b in bounds if 0.005 <= b <= 0.05)
    return (f"{n:.0f} database batches of {d('cccd_db_records_total') / n:.2f} records, "
            f"mean {1000 * d('cccd_db_flush_duration_seconds_sum') / total:.1f} ms each ({over})")


def pct(xs: list[float], p: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))] if s else float("nan")


# --- the server and a lean HTTP/1.1 client ----------------------------------------------------------

class Service:
    """`cccd serve --workers 2` on SQLite, on a free loopback port, stopped by its PID."""

    def __init__(self, work: Path, cscas: list[Path]) -> None:
        self.port = free_port()
        db = f"sqlite:///{work / 'bench.db'}"
        env = dict(os.environ, CCCD_SERVICE_HASH_KEY="33" * 32)
        r = cccd("keys", "create", "--db", db, "--name", "bench", env=env)
        assert r.returncode == 0, r.stderr
        self.key = r.stdout.strip()
        trust = [a for c in cscas for a in ("--csca", str(c))]
        cmd = [sys.executable, "-c", CLI, "serve", "--db", db, "--port", str(self.port), "--workers", str(WORKERS),
               "--rate-limit", "0", *trust]  # the default log level: one JSON line per request
        self.log = work / "serve.log"
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(self.log, "wb"))
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                if asyncio.run(self._ready()):
                    return
            except OSError:
                time.sleep(0.2)
        raise SystemExit("cccd serve did not start:\n" + self.log.read_text()[-2000:])

    async def _ready(self) -> bool:
        c = await Conn.open(self.port)
        try:
            status, _ = await c.call(b"GET /readyz HTTP/1.1\r\nHost: b\r\n\r\n")
            return status == 200
        finally:
            c.close()

    def request(self, body: bytes, path: str = f"/v1/verifications?at={AT}") -> bytes:
        head = (f"POST {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {self.key}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n")
        return head.encode() + body

    def get(self, path: str, auth: bool = False) -> bytes:
        key = f"Authorization: Bearer {self.key}\r\n" if auth else ""
        return f"GET {path} HTTP/1.1\r\nHost: bench\r\n{key}\r\n".encode()

    def metrics(self) -> dict[str, float]:
        """The service's /metrics samples (name with labels -> value)."""
        async def get() -> bytes:
            c = await Conn.open(self.port)
            try:
                return (await c.call(self.get("/metrics")))[1]
            finally:
                c.close()

        out = {}
        for line in asyncio.run(get()).decode().splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                out[name] = float(value)
        return out

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            self.proc.wait(60)


class Conn:
    """One keep-alive HTTP/1.1 connection: send a pre-built request, read status + body."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.used = time.monotonic()  # the server closes a connection idle for 5 s (keep-alive timeout)
        self.reusable = True  # False once the server said `Connection: close` or the connection failed

    @classmethod
    async def open(cls, port: int) -> "Conn":
        r, w = await asyncio.open_connection("127.0.0.1", port, limit=1 << 20)
        return cls(r, w)

    async def call(self, request: bytes) -> tuple[int, bytes]:
        """(status, body); status 0 if the connection failed (closed by the server, reset)."""
        self.used = time.monotonic()
        try:
            self.writer.write(request)
            head = await self.reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"connection" and value.strip().lower() == b"close":
                    self.reusable = False  # e.g. uvicorn's 503 beyond --limit-concurrency
            body = await self.reader.readexactly(length)
        except (asyncio.IncompleteReadError, ConnectionError):
            self.reusable = False
            return 0, b""
        self.used = time.monotonic()
        return status, body

    def close(self) -> None:
        self.writer.close()


async def _closed_loop(port: int, requests: list[bytes], clients: int, cap: float) -> tuple[float, list[float], int]:
    conns = [await Conn.open(port) for _ in range(clients)]
    lat: list[float] = []
    bad = 0
    it = iter(requests)
    deadline = time.monotonic() + cap

    async def client(c: Conn) -> None:
        nonlocal bad
        for req in it:
            if time.monotonic() > deadline:
                return
            t0 = time.perf_counter()
            if not c.reusable:
                c.close()
                c = await Conn.open(port)
            status, _ = await c.call(req)
            lat.append(time.perf_counter() - t0)
            bad += not 200 <= status < 300
        c.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(client(c) for c in conns))
    secs = time.perf_counter() - t0
    return secs, lat, bad


def closed_loop(svc: Service, bodies: list[bytes], clients: int, cap: float) -> tuple[float, list[float], int]:
    """All bodies, ``clients`` at a time; (seconds, latencies, non-2xx)."""
    return asyncio.run(_closed_loop(svc.port, [svc.request(b) for b in bodies], clients, cap))


async def _open_loop(port: int, requests: list[bytes], rate: float) -> tuple[list[float], dict[int, int]]:
    """Latencies from the scheduled send times; the non-2xx answers by status (0: connection failed)."""
    idle: list[Conn] = [await Conn.open(port) for _ in range(8)]
    lat: list[float] = []
    bad: dict[int, int] = {}

    async def one(req: bytes, due: float) -> None:
        c = None
        while idle and c is None:  # the most recently used first; one idle for 4 s is about to be closed
            c = idle.pop()
            if time.monotonic() - c.used > 4.0:
                c.close()
                c = None
        if c is None:
            c = await Conn.open(port)
        status, _ = await c.call(req)
        lat.append(time.perf_counter() - due)
        if not 200 <= status < 300:
            bad[status] = bad.get(status, 0) + 1
        if c.reusable:
            idle.append(c)
        else:
            c.close()

    start = time.perf_counter() + 0.2
    tasks = []
    for i, req in enumerate(requests):
        due = start + i / rate
        wait = due - time.perf_counter()
        if wait > 0:
            await asyncio.sleep(wait)
        tasks.append(asyncio.create_task(one(req, due)))
    await asyncio.gather(*tasks)
    for c in idle:
        c.close()
    return lat, bad


def open_loop(svc: Service, bodies: list[bytes], rate: float) -> tuple[list[float], dict[int, int]]:
    """One request every 1/rate s (fixed count); latency from the scheduled time."""
    return asyncio.run(_open_loop(svc.port, [svc.request(b) for b in bodies], rate))


# --- where the CPU goes ------------------------------------------------------------------------------

def request_kinds(svc: Service, bases: list[dict[str, Any]], n: int) -> list[tuple[str, float, float]]:
    """CPU per request of the server process and of its workers, per kind of request (one client)."""
    new = variants(bases, 5 * 10 ** 7, n)
    kinds = [("GET /healthz (HTTP stack)", [svc.get("/healthz")] * n),
             ("GET /v1/trust (+ API key)", [svc.get("/v1/trust", auth=True)] * n),
             ("POST, new dump (+ body, pool, record)", [svc.request(b) for b in new]),
             ("POST, same dump again (+ body, look-up)", [svc.request(b) for b in new])]
    out = []
    for label, reqs in kinds:
        c0 = cpu_seconds(svc.proc.pid)
        asyncio.run(_closed_loop(svc.port, reqs, 1, 300))
        c1 = cpu_seconds(svc.proc.pid)
        out.append((label, (c1[0] - c0[0]) / n, (c1[1] - c0[1]) / n))
    return out


def worker_stages(body: bytes, cscas: list[Path], n: int) -> list[tuple[str, float]]:
    """Median CPU per stage of one verification as a worker runs it (work.verify_body), in this process."""
    import dataclasses
    import datetime as dt

    from cccd_chip.document import Document
    from cccd_chip.pki.trust_store import TrustStore
    from cccd_chip.service import work
    from cccd_chip.verify.document_check import verify_document
    from cccd_chip.verify.passive import Policy
    from cccd_chip.verify.report import verify_json

    store = TrustStore.from_sources(csca=[str(c) for c in cscas])
    at = dt.datetime.fromisoformat(AT.replace("Z", "+00:00"))
    work.init(store, Policy(), bytes(32), 32)
    policy = dataclasses.replace(Policy(), at=at)
    doc = Document.from_json_bytes(body)
    report = verify_document(doc, store, policy=policy)
    stages: list[tuple[str, Any]] = [
        ("SHA-256 of the body", lambda: hashlib.sha256(body).hexdigest()),
        ("dump load (Document.from_json_bytes)", lambda: Document.from_json_bytes(body)),
        ("verify_document", lambda: verify_document(doc, store, policy=policy)),
        ("report -> JSON text", lambda: json.dumps(verify_json(report, "x"), ensure_ascii=False,
                                                     separators=(",", ":"))),
        ("document-number hash", lambda: work._docnum_hash(doc.files.get("DG1"))),
        ("all of work.verify_body", lambda: work.verify_body(body, at.isoformat())),
    ]
    out = []
    for label, fn in stages:
        fn()
        times = []
        for _ in range(n):
            t0 = time.process_time()
            fn()
            times.append(time.process_time() - t0)
        out.append((label, statistics.median(times)))
    return out


# --- the run -----------------------------------------------------------------------------------------

@dataclass
class Round:
    batch_rate: float
    batch_cpu: float  # CPU seconds per document of the whole `cccd verify` command
    rate: float
    lat: list[float]
    bad: int
    server_cpu: float
    worker_cpu: float
    client_cpu: float
    load: float

    @property
    def ratio(self) -> float:
        return self.rate / self.batch_rate


def run_batch(work: Path, name: str, bodies: list[bytes], trust: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of `cccd verify DIR --workers 2` over ``bodies``."""
    folder = work / name
    folder.mkdir()
    for i, b in enumerate(bodies):
        (folder / f"d{i:05d}.json").write_bytes(b)
    c0, t0 = children_cpu(), time.perf_counter()
    r = cccd("verify", folder, "--workers", WORKERS, "--jsonl", "--at", AT, *trust)
    secs, cpu = time.perf_counter() - t0, children_cpu() - c0
    ok = sum(1 for x in r.stdout.splitlines() if json.loads(x).get("report", {}).get("overall") == "successful")
    if ok != len(bodies):
        raise SystemExit(f"batch: {ok}/{len(bodies)} successful (exit {r.returncode}): {r.stderr[-500:]}")
    return secs, cpu


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="N=200, 3 rounds, 6 s at half rate")
    ap.add_argument("-n", type=int, default=None, help="dumps per run (default 600, --quick 200)")
    ap.add_argument("--rounds", type=int, default=None, help="paired rounds (default 5, --quick 3)")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--duration", type=float, default=None, help="seconds of the half-rate run (default 15)")
    ap.add_argument("--no-stages", dest="stages", action="store_false", help="skip the CPU breakdown")
    a, _ = ap.parse_known_args()
    n = a.n or (200 if a.quick else 600)
    rounds = a.rounds or (3 if a.quick else 5)
    duration = a.duration or (6.0 if a.quick else 15.0)
    try:
        import fastapi  # noqa: F401
        import sqlalchemy  # noqa: F401
    except ImportError:
        print("bench_service: skipped (the 'service' extra is not installed)")
        return 0
    print(f"load average at the start {load1():.2f} ({os.cpu_count()} cores; client, server and batch share them)")
    with tempfile.TemporaryDirectory(prefix="cccd-bench-service-") as tmp:
        work = Path(tmp)
        t = time.perf_counter()
        bases, cscas = make_bases(work, cards=4)
        trust = [x for c in cscas for x in ("--csca", str(c))]
        print(f"made 4 virtual cards and their dumps in {time.perf_counter() - t:.1f} s "
              f"({len(variants(bases, 0, 1)[0]) // 1024} KiB each); {n} distinct dumps per run, {rounds} rounds")
        small = 2 * WORKERS
        start_secs, start_cpu = run_batch(work, "start", variants(bases, 9 * 10 ** 7, small), trust)
        svc = Service(work, cscas)
        runs: list[Round] = []
        try:
            closed_loop(svc, variants(bases, 10 ** 6, 40), a.clients, 120)  # warm-up, not counted
            for rnd in range(rounds):
                batch_bodies = variants(bases, rnd * n, n)
                svc_bodies = variants(bases, 10 ** 5 + rnd * n, n)
                measured: dict[str, Any] = {}
                for side in (("batch", "service") if rnd % 2 == 0 else ("service", "batch")):
                    if side == "batch":
                        measured["batch"] = run_batch(work, f"batch{rnd}", batch_bodies, trust)
                    else:
                        c0, s0 = cpu_seconds(svc.proc.pid), self_cpu()
                        secs, lat, bad = closed_loop(svc, svc_bodies, a.clients, cap=300)
                        c1, s1 = cpu_seconds(svc.proc.pid), self_cpu()
                        done = len(lat)
                        measured["service"] = (done / secs, lat, bad, (c1[0] - c0[0]) / done,
                                               (c1[1] - c0[1]) / done, (s1 - s0) / done)
                b_secs, b_cpu = measured["batch"]
                rate, lat, bad, server_cpu, worker_cpu, client_cpu = measured["service"]
                r = Round(n / b_secs, b_cpu / n, rate, lat, bad, server_cpu, worker_cpu, client_cpu, load1())
                runs.append(r)
                print(f"  round {rnd + 1}: batch {r.batch_rate:6.1f} docs/s, service {r.rate:6.1f} req/s, "
                      f"ratio {r.ratio:.2f}, p99 {pct(lat, 99) * 1000:.0f} ms, load {r.load:.2f}", flush=True)
            half = statistics.median(r.batch_rate for r in runs) / 2
            m0 = svc.metrics()
            c0 = cpu_seconds(svc.proc.pid)
            lat_h, bad_h = open_loop(svc, variants(bases, 10 ** 7, int(half * duration) + 1), half)
            c1 = cpu_seconds(svc.proc.pid)
            db_half = flushes(m0, svc.metrics())
            cpu_half = ((c1[0] - c0[0]) / len(lat_h), (c1[1] - c0[1]) / len(lat_h))
            load_half = load1()
            kinds = request_kinds(svc, bases, 100 if a.quick else 300) if a.stages else []
        finally:
            svc.stop()
        stages = worker_stages(variants(bases, 0, 1)[0], cscas, 50 if a.quick else 200) if a.stages else []
    ratios = sorted(r.ratio for r in runs)
    med = statistics.median
    all_lat = [x for r in runs for x in r.lat]
    batch_rate = med(r.batch_rate for r in runs)
    steady = [n / max(1e-9, n / r.batch_rate - start_secs) for r in runs]
    print(f"cccd verify DIR, {WORKERS} workers : {batch_rate:7.1f} docs/s median of {rounds} runs of {n} dumps "
          f"(process start included; {start_secs:.2f} s start-up measured on {small} dumps; without it "
          f"{med(steady):.1f} docs/s)")
    print(f"cccd serve, {WORKERS} workers, {a.clients} clients: {med(r.rate for r in runs):7.1f} req/s median  "
          f"p50 {pct(all_lat, 50) * 1000:.1f} ms  p99 {pct(all_lat, 99) * 1000:.1f} ms  "
          f"({sum(r.bad for r in runs)} non-2xx)")
    print(f"  ratio service/batch          : median of {rounds} paired rounds {med(ratios):.2f} "
          f"(range {ratios[0]:.2f}-{ratios[-1]:.2f}; against the batch without its start-up "
          f"{med(r.rate / s for r, s in zip(runs, steady)):.2f})  (goal >= 0.70)")
    server, workers, client = med(r.server_cpu for r in runs), med(r.worker_cpu for r in runs), \
        med(r.client_cpu for r in runs)
    per_doc_start = start_cpu / small
    print(f"  CPU per document             : service {1000 * (server + workers):.2f} ms (server process "
          f"{server * 1000:.2f} ms + verification workers {workers * 1000:.2f} ms; load generator "
          f"{client * 1000:.2f} ms), batch {1000 * med(r.batch_cpu for r in runs):.2f} ms with its start-up "
          f"({start_cpu:.2f} s CPU, i.e. {1000 * med(r.batch_cpu - start_cpu / n for r in runs):.2f} ms without; "
          f"{per_doc_start * 1000:.0f} ms per document on {small} dumps)")
    print(f"cccd serve at half the batch rate ({half:.1f} req/s, {len(lat_h)} POSTs over {len(lat_h) / half:.1f} s, "
          f"{sum(bad_h.values())} non-2xx{' ' + str(bad_h) if bad_h else ''}): p50 {pct(lat_h, 50) * 1000:.1f} ms  p99 {pct(lat_h, 99) * 1000:.1f} ms  "
          f"(goal p99 <= 50 ms; load average {load_half:.2f})")
    print(f"  CPU per request {1000 * cpu_half[0]:.2f} ms server process + {1000 * cpu_half[1]:.2f} ms workers; "
          f"{db_half}")
    print(f"  slowest POSTs: {', '.join(f'{x * 1000:.0f}' for x in sorted(lat_h)[-8:])} ms")
    if kinds:
        print("CPU per request by kind (one client; server process + its workers):")
        for label, main_cpu, kids_cpu in kinds:
            print(f"  {label:42s} {main_cpu * 1000:6.2f} ms + {kids_cpu * 1000:5.2f} ms")
    if stages:
        print("CPU per stage of one verification in a worker (median):")
        for label, secs in stages:
            print(f"  {label:42s} {secs * 1000:6.3f} ms")
    print(f"load average at the end {load1():.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
