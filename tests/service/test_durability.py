"""Kill -9 mid-load and restart: every 2xx has exactly one record, nothing is half-written (both databases)."""

from __future__ import annotations

import hashlib
import json
import queue
import signal
import threading
import time

import httpx
from sqlalchemy import text

from cccd_chip.service.db import engine_for
from svc_support import AT

N_DUMPS = 120
CLIENTS = 4


def _variants(body: bytes, n: int) -> list[bytes]:
    m = json.loads(body)
    out = []
    for i in range(n):
        m["source"] = f"durability-{i}"
        out.append(json.dumps(m).encode())
    return out


def test_sigkill_mid_load_loses_nothing(db_url, dumps, server_factory):
    s = server_factory(db_url, "--csca", dumps.csca(), "--workers", "2", "--rate-limit", "0")
    key = s.key()
    s.start()
    bodies = _variants(dumps.dump().read_bytes(), N_DUMPS)
    todo: "queue.Queue[int]" = queue.Queue()
    for i in range(N_DUMPS):
        todo.put(i)
    ok: dict[int, str] = {}  # dump index -> record id, for every 2xx answer
    lock = threading.Lock()

    def client() -> None:
        c = s.client(key)
        while True:
            try:
                i = todo.get_nowait()
            except queue.Empty:
                return
            try:
                r = c.post("/v1/verifications", params={"at": AT}, content=bodies[i])
            except httpx.HTTPError:
                continue  # the server died under this request: no answer, no promise
            if 200 <= r.status_code < 300:
                with lock:
                    ok[i] = r.json()["id"]

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 120
    while len(ok) < N_DUMPS // 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert s.stop(signal.SIGKILL) == -signal.SIGKILL  # mid-load, no chance to clean up
    assert not s.orphans  # the pool processes ended with their server
    for t in threads:
        t.join()
    assert N_DUMPS // 3 <= len(ok) < N_DUMPS, len(ok)  # killed in the middle

    s.start()
    c = s.client(key)
    eng = engine_for(s.db)
    with eng.connect() as conn:
        rows = conn.execute(text("SELECT id, dump_sha256, verdict, report FROM verifications")).mappings().all()
    eng.dispose()
    by_digest: dict[str, list] = {}
    for row in rows:  # nothing half-written: every stored record is whole and consistent
        rep = json.loads(row["report"])
        assert rep["overall"] == row["verdict"] and rep["dump"] == f"sha256:{row['dump_sha256']}"
        assert rep["checks"]
        by_digest.setdefault(row["dump_sha256"], []).append(row["id"])
    assert all(len(ids) == 1 for ids in by_digest.values())
    for i, rid in ok.items():  # every answered request has its record, exactly that one
        assert by_digest[hashlib.sha256(bodies[i]).hexdigest()] == [rid]
        assert c.get(f"/v1/verifications/{rid}").status_code == 200

    for i, body in enumerate(bodies):  # replaying everything: the answered ones are found, the rest made once
        r = c.post("/v1/verifications", params={"at": AT}, content=body)
        assert r.status_code in (200, 201)
        if i in ok:
            assert r.status_code == 200 and r.json()["id"] == ok[i]
    eng = engine_for(s.db)
    with eng.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM verifications")).scalar_one() == N_DUMPS
        assert conn.execute(text("SELECT count(DISTINCT dump_sha256) FROM verifications")).scalar_one() == N_DUMPS
    eng.dispose()
