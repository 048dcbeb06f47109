"""`cccd reverify --db`: the records of a real `cccd serve --store-dumps` re-verified after a CRL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import httpx
import pytest

from cccd_chip.service.repository import NewVerification, Repository

from .conftest import AT, REVOKED_PROFILE, cccd, free_port, result_lines, summary_of, tamper

DUMP_KEY = "5a" * 32
AT_ISO = "2026-06-01T00:00:00+00:00"


def _trust_files(args: list[str], option: str) -> list[str]:
    return [args[i + 1] for i in range(len(args) - 1) if args[i] == option]


@pytest.fixture(scope="module")
def service_db(archive_set, tmp_path_factory):
    """A SQLite database filled by `cccd serve --store-dumps` (8 genuine dumps, 2 tampered), then stopped."""
    work = tmp_path_factory.mktemp("reverify")
    db = f"sqlite:///{work / 'service.db'}"
    env = dict(os.environ, CCCD_SERVICE_DUMP_KEY=DUMP_KEY)
    env.pop("CCCD_SERVICE_DB", None)
    key = subprocess.run([sys.executable, "-m", "host_cli.main", "keys", "create", "--db", db, "--name", "bank"],
                         capture_output=True, text=True, env=env, timeout=120, cwd=work)
    assert key.returncode == 0, key.stderr
    port = free_port()
    serve = subprocess.Popen([sys.executable, "-m", "host_cli.main", "serve", "--db", db, "--port", str(port),
                              "--workers", "1", "--store-dumps", *archive_set.trust],
                             stdout=subprocess.DEVNULL, stderr=open(work / "serve.log", "wb"), env=env, cwd=work)
    posted = {}
    try:
        deadline = time.monotonic() + 120
        while True:
            assert serve.poll() is None, (work / "serve.log").read_text()[-3000:]
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "cccd serve did not start"
            time.sleep(0.2)
        bodies = [(f"genuine:{p}", d) for p, ds in archive_set.genuine.items() for d in ds]
        bodies += [(f"tampered:{p}", tamper(ds[0])) for p, ds in archive_set.genuine.items()
                   if p in ("cccd-2021", REVOKED_PROFILE)]
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60,
                          headers={"Authorization": f"Bearer {key.stdout.strip()}"}) as c:
            for kind, body in bodies:
                r = c.post("/v1/verifications", params={"at": AT}, content=body,
                           headers={"Content-Type": "application/json"})
                assert r.status_code == 201, r.text
                posted[r.json()["id"]] = (kind, r.json()["verdict"])
    finally:
        os.kill(serve.pid, signal.SIGTERM)
        serve.wait(timeout=60)
    assert sorted(v for _, v in posted.values()) == ["failed"] * 2 + ["successful"] * 8
    repo = Repository.open(db)
    try:  # one record whose dump was not kept (as by `cccd serve` without --store-dumps)
        rec = repo.get_verification(next(iter(posted)))
        repo.insert_verification(NewVerification(client=rec.client, dump_sha256="ab" * 32,
                                                 trust_version=rec.trust_version, time_reference=rec.time_reference,
                                                 verdict="successful", report_json=rec.report_json))
    finally:
        repo.close()
    return db, posted, env


def test_revoking_crl_writes_a_record_per_changed_verdict(archive_set, service_db, dask_cluster):
    db, posted, env = service_db
    crls = [p for p in _trust_files(archive_set.revoking_trust, "--crl")]
    cscas = _trust_files(archive_set.revoking_trust, "--csca")
    args = ["reverify", "--db", db, "--at", AT, *sum((["--csca", c] for c in cscas), []),
            *sum((["--crl", c] for c in crls), [])]
    r = cccd(*args, env={"CCCD_SERVICE_DUMP_KEY": DUMP_KEY})
    assert r.returncode == 1, r.stderr[-3000:]
    changed = result_lines(r.stdout)
    revoked_ids = {rid for rid, (kind, _) in posted.items() if kind == f"genuine:{REVOKED_PROFILE}"}
    assert {ln["id"] for ln in changed} == revoked_ids and len(changed) == 2
    assert all(ln["previous"] == "successful" and ln["verdict"] == "failed" and ln["record"] for ln in changed)
    s = summary_of(r.stderr)
    assert s["transitions"] == {"successful->failed": 2}
    assert s["reverify"] == {"records": 11, "reverified": 10, "skipped_no_dump": 1, "skipped_current_trust": 0,
                             "skipped_other_time_reference": 0, "records_written": 2}
    repo = Repository.open(db)
    try:
        for ln in changed:
            new = repo.get_verification(ln["record"])
            old = repo.get_verification(ln["id"])
            assert new.verdict == "failed" and new.trust_version == ln["trust"] != old.trust_version
            assert (new.client, new.dump_sha256, new.time_reference) == (old.client, old.dump_sha256, AT_ISO)
            assert new.document_number_hash == old.document_number_hash and not new.dump_stored
            rep = new.report()
            assert rep["schema"] == "cccd-verify/1" and rep["overall"] == "failed"
            assert rep["dump"] == f"sha256:{old.dump_sha256}" == f"sha256:{ln['digest']}"
        assert repo.count_verifications() == 13
    finally:
        repo.close()

    # again, on the Dask cluster: the two changed dumps are current now, the others keep their verdict
    r = cccd(*args, "--engine", "dask", "--scheduler", dask_cluster.address, env={"CCCD_SERVICE_DUMP_KEY": DUMP_KEY})
    assert r.returncode == 1, r.stderr[-3000:]
    assert r.stdout == ""
    s = summary_of(r.stderr)
    assert s["engine"] == "dask" and s["changed"] == 0 and s["dumps"] == 8
    assert s["reverify"]["skipped_current_trust"] == 2 and s["reverify"]["records_written"] == 0


def test_without_the_dump_key_or_with_a_wrong_one(archive_set, service_db):
    db, posted, env = service_db
    r = cccd("reverify", "--db", db, *archive_set.trust, env={"CCCD_SERVICE_DUMP_KEY": ""})
    assert r.returncode == 2 and "CCCD_SERVICE_DUMP_KEY" in r.stderr and "Traceback" not in r.stderr
    r = cccd("reverify", "--db", db, "--at", AT, *archive_set.revoking_trust, "--all",
             env={"CCCD_SERVICE_DUMP_KEY": "77" * 32})
    assert r.returncode == 6, r.stderr[-3000:]
    lines = result_lines(r.stdout)
    assert lines and all(ln["verdict"] == "error" and "another key" in ln["message"] for ln in lines)
    assert DUMP_KEY not in r.stderr + r.stdout and "77" * 32 not in r.stderr + r.stdout
