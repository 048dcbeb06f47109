"""Archive re-verification: ``--engine dask`` (local cluster) vs ``--engine process`` (issue 15).

Generates an archive once and caches it (``$CCCD_BENCH_CACHE``, default
``<tmp>/cccd-bench-cache``): cards of the two CCCD emulator profiles (2021, 2024) personalised and
read in-process, then N single-file dumps in one ``.jsonl`` stream file -
copies of the 8 genuine dumps, ~5 % tampered twins (one DG2 byte changed) and
0.1 % malformed lines. Each dump is ~52 KB (a ~25 KB DG2, hex inside JSON).

Then, through the real command (``cccd verify ARCHIVE --engine E --out FILE``
in a subprocess), for each round: the process engine, then Dask; the
throughput from the run's own summary (cluster start-up excluded) and the
wall time, and the peak resident memory of the whole process tree (client,
scheduler, workers; psutil, sampled every 0.2 s) and the CPU seconds of the
client process and of the others (last sample: a lower bound). Paired ratios dask/process
are printed per round.

``--sweep`` first measures the batch size (dumps per task) on a smaller
archive with the Dask engine: throughput, and CPU per dump of the client
(which hosts the local cluster's scheduler) and of all processes - the CPU
figures hold up when other jobs share the machine, the rates do not.

Usage: ``python benchmarks/bench_archive.py [--quick] [-n N] [--repeat R] [--sweep]``.
Default N = 100,000 (``--quick``: 10,000).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PROFILES = ("cccd-2021", "cccd-2024")  # a bank's archive of Vietnamese ID cards
AT = "2026-06-01T00:00:00Z"
FORMAT_TAG = "v2"


def cache_dir() -> Path:
    d = Path(os.environ.get("CCCD_BENCH_CACHE") or Path(tempfile.gettempdir()) / "cccd-bench-cache")
    d.mkdir(parents=True, exist_ok=True)
    return d


def cards(root: Path) -> tuple[list[bytes], list[str]]:
    """The genuine dumps (compact JSON) and the trust options, generated once."""
    from cccd_chip.emulator.applet import Applet
    from cccd_chip.emulator.card import VirtualCard
    from cccd_chip.emulator.personalize import personalize
    from cccd_chip.reader import Credential, read_document
    from cccd_chip.transport.local import LocalTransport

    dumps, trust = [], []
    for prof in PROFILES:
        for seed in (1, 2):
            d = root / "cards" / f"{prof}-{seed}"
            if not (d / "card.json").exists():
                personalize(prof, seed, d)
            card = VirtualCard.load(d)
            s = card.secrets
            cred = Credential.from_cccd_id(s["id"]) if "id" in s else Credential.from_mrz(
                s["document_number"], s["date_of_birth"], s["date_of_expiry"])
            doc = read_document(LocalTransport(Applet(card)), cred)
            dumps.append(json.dumps(doc.manifest(inline=True), separators=(",", ":")).encode())
        d = root / "cards" / f"{prof}-1"
        trust += ["--csca", str(d / "csca.pem"), "--crl", str(d / "csca.crl")]
    return dumps, trust


def tamper(dump: bytes) -> bytes:
    m = json.loads(dump)
    dg2 = bytearray.fromhex(m["files"]["DG2"])
    dg2[-100] ^= 1
    m["files"]["DG2"] = dg2.hex().upper()
    return json.dumps(m, separators=(",", ":")).encode()


def archive(n: int) -> tuple[Path, list[str]]:
    """``archive-N.jsonl`` in the cache (written to a temporary name, then renamed)."""
    root = cache_dir()
    dumps, trust = cards(root)
    path = root / f"archive-{FORMAT_TAG}-{n}.jsonl"
    if path.exists():
        return path, trust
    bad = [tamper(d) for d in dumps]
    t0 = time.perf_counter()
    tmp = path.with_suffix(".part")
    with open(tmp, "wb") as f:
        for i in range(n):
            if i % 1000 == 999:
                f.write(b'{"format":"cccd-dump","version":1,"files":"broken"}\n')
            elif i % 20 == 19:
                f.write(bad[i % len(bad)] + b"\n")
            else:
                f.write(dumps[i % len(dumps)] + b"\n")
    os.replace(tmp, path)
    print(f"generated {path} ({n} dumps, {path.stat().st_size / 1e9:.2f} GB) in {time.perf_counter() - t0:.0f} s",
          flush=True)
    return path, trust


class TreeMemory:
    """Peak RSS of a process and all its descendants, sampled in a thread."""

    def __init__(self, pid: int) -> None:
        import psutil

        self.root = psutil.Process(pid)
        self.peak_total = 0
        self.peak_client = 0
        self.cpu: dict[int, float] = {}  # pid -> last seen user+system seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import psutil

        while not self._stop.is_set():
            try:
                procs = [self.root] + self.root.children(recursive=True)
                total = 0
                for p in procs:
                    try:
                        rss = p.memory_info().rss
                    except psutil.Error:
                        continue
                    total += rss
                    try:
                        t = p.cpu_times()
                        self.cpu[p.pid] = t.user + t.system
                    except psutil.Error:
                        pass
                    if p.pid == self.root.pid:
                        self.peak_client = max(self.peak_client, rss)
                self.peak_total = max(self.peak_total, total)
            except psutil.Error:
                pass
            self._stop.wait(0.2)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def run(path: Path, trust: list[str], engine: str, batch: int | None = None) -> dict:
    out = Path(tempfile.mkdtemp(prefix="cccd-bench-")) / "results.jsonl"
    argv = [sys.executable, "-m", "host_cli.main", "verify", str(path), *trust, "--at", AT, "--engine", engine,
            "--out", str(out)]
    if batch:
        argv += ["--batch-size", str(batch)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    mem = TreeMemory(proc.pid)
    _, err = proc.communicate()
    wall = time.perf_counter() - t0
    mem.stop()
    client_cpu = mem.cpu.get(proc.pid, 0.0)
    other_cpu = sum(v for k, v in mem.cpu.items() if k != proc.pid)
    summary = json.loads(err.strip().splitlines()[-1])
    lines = sum(1 for _ in open(out, "rb"))
    os.unlink(out)
    os.rmdir(out.parent)
    if proc.returncode not in (0, 1, 3, 6) or lines != summary["dumps"]:
        raise SystemExit(f"{engine}: exit {proc.returncode}, {lines} lines: {err[-2000:]}")
    return {"engine": engine, "rate": summary["dumps_per_second"], "wall": wall, "dumps": summary["dumps"],
            "workers": summary["workers"], "batch": summary["batch_size"], "peak_mb": mem.peak_total / 2**20,
            "client_mb": mem.peak_client / 2**20, "verdicts": summary["verdicts"],
            "client_cpu": client_cpu, "other_cpu": other_cpu}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("-n", type=int, default=None)
    ap.add_argument("--repeat", type=int, default=None)
    ap.add_argument("--sweep", action="store_true", help="measure batch sizes first")
    args, _ = ap.parse_known_args()
    n = args.n or (10_000 if args.quick else 100_000)
    rounds = args.repeat or (2 if args.quick else 1)
    print(f"cores {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}", flush=True)
    if args.sweep:
        small, trust = archive(5_000)
        print("batch size sweep (Dask local cluster, 5,000 dumps):")
        for b in (4, 16, 64, 256, 1024):
            r = run(small, trust, "dask", b)
            n_ok = max(r["dumps"], 1)
            print(f"  batch {b:5d}: {r['rate']:7.0f} dumps/s  (wall {r['wall']:.1f} s); CPU per dump: client + "
                  f"scheduler {r['client_cpu'] / n_ok * 1000:.2f} ms, all processes "
                  f"{(r['client_cpu'] + r['other_cpu']) / n_ok * 1000:.2f} ms", flush=True)
    path, trust = archive(n)
    results = []
    print(f"{n} dumps, {rounds} round(s); peak memory = RSS of client + scheduler + workers", flush=True)
    for i in range(rounds):
        pair = {e: run(path, trust, e) for e in ("process", "dask")}
        results.append(pair)
        for e, r in pair.items():
            print(f"  round {i + 1} {e:7s}: {r['rate']:7.0f} dumps/s ({r['workers']} workers, batch {r['batch']}), "
                  f"wall {r['wall']:6.1f} s, peak memory {r['peak_mb']:6.0f} MB (client {r['client_mb']:.0f} MB), "
                  f"CPU client {r['client_cpu']:.0f} s + others {r['other_cpu']:.0f} s",
                  flush=True)
        print(f"  round {i + 1} dask/process throughput ratio: {pair['dask']['rate'] / pair['process']['rate']:.2f}",
              flush=True)
    verdicts = results[0]["process"]["verdicts"]
    same = all(p["process"]["verdicts"] == p["dask"]["verdicts"] == verdicts for p in results)
    print(f"verdicts {verdicts}; both engines agree: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
