"""`cccd serve` under load vs. `cccd verify DIR` on the same dumps (issue 14), loopback only.

Makes virtual cards (`cccd personalize`), reads each once (`cccd read --virtual
--out`), and derives N distinct single-file dumps from them (the ``source`` field
differs, so every dump is a new verification for the service). Then, in one run:

1. batch: ``cccd verify DIR --workers 2 --jsonl`` over the N dumps (wall time,
   process start included) -> documents/s;
2. service, saturated: ``cccd serve --workers 2`` (SQLite), C keep-alive clients
   POST the N dumps (closed loop, fixed count, capped duration) -> requests/s,
   p50/p99 latency;
3. service at half the batch rate: open loop, one request every 2/batch_rate
   seconds for a fixed duration, fresh dumps -> p50/p99 latency (measured from
   the scheduled send time, so queueing counts).

Prints the paired ratio service/batch (goal >= 0.70) and the p99 at half rate
(goal <= 50 ms). The load generator runs on the same machine as the server and
takes CPU from it: the figures are a lower bound for a dedicated host. No
absolute-time assertion. Usage: ``python benchmarks/bench_service.py [--quick] [-n N]``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AT = "2026-12-01T00:00:00Z"
WORKERS = 2


def cccd(*args, env=None, **kw) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-c", "import sys; from host_cli.main import main; main(sys.argv[1:])", *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, **kw)


def make_bases(work: Path, cards: int) -> tuple[list[dict], list[Path]]:
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


def variants(bases: list[dict], start: int, count: int) -> list[bytes]:
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
        return s.getsockname()[1]


class Service:
    def __init__(self, work: Path, cscas: list[Path]) -> None:
        self.port = free_port()
        db = f"sqlite:///{work / 'bench.db'}"
        env = dict(os.environ, CCCD_SERVICE_HASH_KEY="33" * 32)
        r = cccd("keys", "create", "--db", db, "--name", "bench", env=env)
        assert r.returncode == 0, r.stderr
        self.key = r.stdout.strip()
        trust = [a for c in cscas for a in ("--csca", str(c))]
        cmd = [sys.executable, "-c", "import sys; from host_cli.main import main; main(sys.argv[1:])", "serve",
               "--db", db, "--port", str(self.port), "--workers", str(WORKERS), "--rate-limit", "0",
               "--log-level", "warning", *trust]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                     stderr=open(work / "serve.log", "wb"))
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                c.request("GET", "/readyz")
                if c.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise SystemExit("cccd serve did not start:\n" + (work / "serve.log").read_text()[-2000:])

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            self.proc.wait(60)

    def post(self, conn: http.client.HTTPConnection, body: bytes) -> int:
        conn.request("POST", f"/v1/verifications?at={AT}", body=body,
                     headers={"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"})
        r = conn.getresponse()
        r.read()
        return r.status


def closed_loop(svc: Service, bodies: list[bytes], clients: int, cap: float) -> tuple[float, list[float], int]:
    """All bodies, ``clients`` at a time; (seconds, latencies, non-2xx)."""
    it = iter(range(len(bodies)))
    lock = threading.Lock()
    lat: list[float] = []
    bad = [0]
    deadline = time.monotonic() + cap

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", svc.port, timeout=60)
        while time.monotonic() < deadline:
            with lock:
                i = next(it, None)
            if i is None:
                return
            t0 = time.perf_counter()
            status = svc.post(conn, bodies[i])
            dt = time.perf_counter() - t0
            with lock:
                lat.append(dt)
                bad[0] += not (200 <= status < 300)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0, lat, bad[0]


def open_loop(svc: Service, bodies: list[bytes], rate: float, duration: float) -> tuple[list[float], int, int]:
    """One request every 1/rate s for ``duration`` s (fixed count); latency from the scheduled time."""
    n = min(len(bodies), max(1, int(rate * duration)))
    start = time.perf_counter() + 0.2
    lock = threading.Lock()
    lat: list[float] = []
    bad = [0]
    nxt = iter(range(n))
    conns = 16

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", svc.port, timeout=60)
        while True:
            with lock:
                i = next(nxt, None)
            if i is None:
                return
            due = start + i / rate
            wait = due - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            status = svc.post(conn, bodies[i])
            with lock:
                lat.append(time.perf_counter() - due)
                bad[0] += not (200 <= status < 300)

    threads = [threading.Thread(target=worker) for _ in range(conns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return lat, bad[0], n


def cpu_seconds(pid: int) -> tuple[float, float]:
    """(CPU seconds of process ``pid``, of its children alive now) from /proc (Linux)."""
    tick = os.sysconf("SC_CLK_TCK")

    def own(p: int) -> float:
        f = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12])) / tick

    kids = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            f = stat.read_text().rsplit(")", 1)[1].split()
            if int(f[1]) == pid:
                kids += (int(f[11]) + int(f[12])) / tick
        except (OSError, ValueError, IndexError):
            continue
    return own(pid), kids


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] if xs else float("nan")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="N=200, 6 s at half rate")
    ap.add_argument("-n", type=int, default=None, help="dumps per run (default 600, --quick 200)")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--duration", type=float, default=None, help="seconds of the half-rate run (default 15)")
    a = ap.parse_args()
    n = a.n or (200 if a.quick else 600)
    duration = a.duration or (6.0 if a.quick else 15.0)
    try:
        import fastapi  # noqa: F401
        import sqlalchemy  # noqa: F401
    except ImportError:
        print("bench_service: skipped (the 'service' extra is not installed)")
        return 0
    with tempfile.TemporaryDirectory(prefix="cccd-bench-service-") as tmp:
        work = Path(tmp)
        t = time.perf_counter()
        bases, cscas = make_bases(work, cards=4)
        bodies = variants(bases, 0, n)
        print(f"made 4 virtual cards and their dumps in {time.perf_counter() - t:.1f} s "
              f"({len(bodies[0]) // 1024} KiB each); {n} distinct dumps per run")
        trust = [a for c in cscas for a in ("--csca", str(c))]
        svc = Service(work, cscas)
        rounds = 2 if a.quick else 3
        batch_runs, svc_runs, batch_cpu = [], [], []
        try:
            conn = http.client.HTTPConnection("127.0.0.1", svc.port, timeout=60)
            for b in variants(bases, 10 ** 6, 20):  # warm-up (caches of each worker), not counted
                svc.post(conn, b)
            for rnd in range(rounds):  # alternate batch and service, so both see the same machine
                bodies = variants(bases, rnd * n, n)
                batch_dir = work / f"batch{rnd}"
                batch_dir.mkdir()
                for i, b in enumerate(bodies):
                    (batch_dir / f"d{i:05d}.json").write_bytes(b)
                ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
                t0 = time.perf_counter()
                r = cccd("verify", batch_dir, "--workers", WORKERS, "--jsonl", "--at", AT, *trust)
                batch_s = time.perf_counter() - t0
                ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
                batch_cpu.append((ru1.ru_utime + ru1.ru_stime - ru0.ru_utime - ru0.ru_stime) / n)
                ok = sum(1 for x in r.stdout.splitlines() if json.loads(x).get("report", {}).get("overall") == "successful")
                if ok != n:
                    raise SystemExit(f"batch: {ok}/{n} successful (exit {r.returncode}): {r.stderr[-500:]}")
                batch_runs.append(n / batch_s)
                c0 = cpu_seconds(svc.proc.pid)
                secs, lat, bad = closed_loop(svc, variants(bases, 10 ** 5 + rnd * n, n), a.clients, cap=300)
                c1 = cpu_seconds(svc.proc.pid)
                svc_runs.append((len(lat) / secs, lat, bad, (c1[0] - c0[0]) / len(lat), (c1[1] - c0[1]) / len(lat)))
            batch_rate = max(batch_runs)
            best = max(svc_runs, key=lambda x: x[0])
            rate, lat, bad, main_cpu, worker_cpu = best
            done = len(lat)
            paired = sorted(sv[0] / b for b, sv in zip(batch_runs, svc_runs))
            half = batch_rate / 2
            lat_h, bad_h, n_h = open_loop(svc, variants(bases, 10 ** 7, int(half * duration) + 1), half, duration)
        finally:
            svc.stop()
    secs = done / rate
    print(f"cccd verify DIR, {WORKERS} workers : {batch_rate:7.1f} docs/s  (best of {rounds} runs of {n} dumps, "
          f"process start included)")
    print(f"cccd serve, {WORKERS} workers, {a.clients} clients: {rate:7.1f} req/s   ({done} POSTs in {secs:.2f} s, "
          f"{bad} non-2xx)  p50 {pct(lat, 50) * 1000:.1f} ms  p99 {pct(lat, 99) * 1000:.1f} ms")
    print(f"  ratio service/batch          : {rate / batch_rate:.2f} best/best, paired rounds "
          f"{paired[0]:.2f}-{paired[-1]:.2f}  (goal >= 0.70)")
    print(f"  CPU per document             : service {1000 * (main_cpu + worker_cpu):.1f} ms (server process "
          f"{main_cpu * 1000:.1f} ms + verification workers {worker_cpu * 1000:.1f} ms), batch "
          f"{1000 * min(batch_cpu):.1f} ms (process start included)")
    print(f"cccd serve at half the batch rate ({half:.1f} req/s, {n_h} POSTs over {n_h / half:.1f} s, "
          f"{bad_h} non-2xx): p50 {pct(lat_h, 50) * 1000:.1f} ms  p99 {pct(lat_h, 99) * 1000:.1f} ms  (goal p99 <= 50 ms)")
    print(f"(os.cpu_count()={os.cpu_count()}, load average {os.getloadavg()[0]:.2f} at the end; "
          f"client and server share the machine)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
