"""Rate limit (429 + Retry-After) and --store-dumps (sealed at rest), on both databases."""

from __future__ import annotations

import time

from sqlalchemy import text

from cccd_chip.service.db import engine_for
from cccd_chip.service.privacy import DumpSealer
from svc_support import AT, DUMP_KEY, run_cccd


def test_store_dumps_needs_the_key(tmp_path, dumps):
    r = run_cccd("serve", "--db", f"sqlite:///{tmp_path / 'x.db'}", "--store-dumps", "--port", "1",
                 env={k: v for k, v in __import__("os").environ.items() if k != "CCCD_SERVICE_DUMP_KEY"})
    assert r.returncode == 2 and "CCCD_SERVICE_DUMP_KEY" in r.stderr and "Traceback" not in r.stderr
    r = run_cccd("serve", "--db", f"sqlite:///{tmp_path / 'x.db'}", "--port", "1",
                 env={**__import__("os").environ, "CCCD_SERVICE_HASH_KEY": "not-hex"})
    assert r.returncode == 2 and "CCCD_SERVICE_HASH_KEY must be 64 hex digits" in r.stderr


def test_rate_limit_and_sealed_dumps(db_url, dumps, server_factory):
    s = server_factory(db_url, "--csca", dumps.csca(), "--workers", "1", "--store-dumps", "--rate-limit", "1",
                       "--burst", "2", env={"CCCD_SERVICE_DUMP_KEY": DUMP_KEY})
    k1, k2 = s.key(), s.key()
    s.start()
    c1, c2 = s.client(k1), s.client(k2)
    body = dumps.dump().read_bytes()
    r = c1.post("/v1/verifications", params={"at": AT}, content=body)
    assert r.status_code == 201
    codes = [c1.get("/v1/trust") for _ in range(3)]
    limited = [x for x in codes if x.status_code == 429]
    assert limited, [x.status_code for x in codes]
    p = limited[0]
    assert p.headers["content-type"] == "application/problem+json" and int(p.headers["retry-after"]) >= 1
    assert c2.get("/v1/trust").status_code == 200  # per key
    time.sleep(int(p.headers["retry-after"]) + 0.1)
    assert c1.get("/v1/trust").status_code == 200

    eng = engine_for(s.db)
    with eng.connect() as conn:
        row = conn.execute(text("SELECT id, dump_ciphertext, dump_key_id FROM verifications")).mappings().one()
    eng.dispose()
    sealed = bytes(row["dump_ciphertext"])
    assert body[:40] not in sealed and b"cccd-dump" not in sealed
    sealer = DumpSealer(bytes.fromhex(DUMP_KEY))
    assert row["dump_key_id"] == sealer.key_id
    assert sealer.open(row["id"], sealed, row["dump_key_id"]) == body
