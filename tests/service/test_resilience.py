"""A verification process dies (OOM killer, a crash): the service answers 503 meanwhile, never 500, and heals."""

from __future__ import annotations

import json
import os
import signal
import time

from svc_support import AT, _state


def test_killed_worker_is_replaced(db_url, dumps, server_factory):
    s = server_factory(db_url, "--csca", dumps.csca(), "--workers", "2", "--rate-limit", "0")
    key = s.key()
    s.start()
    c = s.client(key)
    body = json.loads(dumps.dump().read_bytes())
    assert c.post("/v1/verifications", params={"at": AT}, content=json.dumps(body).encode()).status_code == 201
    victims = s.children()
    assert victims
    os.kill(victims[0], signal.SIGKILL)
    statuses = []
    deadline = time.monotonic() + 60
    i = 0
    while time.monotonic() < deadline:
        body["source"] = f"after-kill-{i}"
        i += 1
        r = c.post("/v1/verifications", params={"at": AT}, content=json.dumps(body).encode())
        statuses.append(r.status_code)
        if r.status_code == 503:
            assert r.headers["content-type"] == "application/problem+json" and r.headers["retry-after"]
        elif r.status_code == 201 and statuses.count(201) >= 3:
            break
        else:
            assert r.status_code == 201, r.text
        time.sleep(0.2)
    assert statuses.count(201) >= 3, statuses  # healed: new workers verify again
    assert 500 not in statuses
    assert _state(victims[0]) == "Z" or victims[0] not in s.children()  # gone (or not yet reaped)
    assert c.get("/readyz").status_code == 200
