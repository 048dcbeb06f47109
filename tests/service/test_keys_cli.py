"""`cccd keys create|list|revoke` and `cccd purge` as processes, on both databases."""

from __future__ import annotations

import json

from cccd_chip.service.repository import NewVerification, Repository

from svc_support import run_cccd


def test_keys_create_list_revoke(db_url):
    r = run_cccd("keys", "create", "--db", db_url, "--name", "kiosk-12", "--scope", "admin")
    assert r.returncode == 0, r.stderr
    key = r.stdout.strip()
    assert key.startswith("cccd_") and len(r.stdout.splitlines()) == 1
    assert key not in r.stderr
    listed = run_cccd("keys", "list", "--db", db_url, "--json")
    assert listed.returncode == 0
    doc = json.loads(listed.stdout)
    assert doc["schema"] == "cccd-keys/1"
    [k] = doc["keys"]
    assert k["name"] == "kiosk-12" and k["scope"] == "admin" and k["revoked_at"] is None
    assert key not in listed.stdout and key[len("cccd_") + 13:] not in listed.stdout  # never the secret
    assert run_cccd("keys", "revoke", "--db", db_url, k["key_id"]).returncode == 0
    again = run_cccd("keys", "revoke", "--db", db_url, k["key_id"])
    assert again.returncode == 2 and "no active key" in again.stderr
    assert json.loads(run_cccd("keys", "list", "--db", db_url, "--json").stdout)["keys"][0]["revoked_at"]


def test_keys_bad_input_is_a_usage_error(tmp_path):
    db = f"sqlite:///{tmp_path / 'k.db'}"
    r = run_cccd("keys", "create", "--db", db, "--name", "x", "--scope", "root")
    assert r.returncode == 2
    r = run_cccd("keys", "create", "--db", "mysql://u@h/d", "--name", "x")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    r = run_cccd("keys", "list", "--db", "postgresql://u:hunter2@127.0.0.1:1/d")
    assert r.returncode == 4 and "hunter2" not in r.stderr and "Traceback" not in r.stderr


def test_purge_removes_old_records(db_url):
    repo = Repository.open(db_url)
    repo.insert_verification(NewVerification("c", "ab" * 32, "tv", "", "successful", "{}",
                                             dump_ciphertext=b"x" * 40, dump_key_id="k"))
    repo.close()
    r = run_cccd("purge", "--db", db_url, "--older-than", "1")
    assert r.returncode == 0 and "0 records" in r.stderr
    r = run_cccd("purge", "--db", db_url, "--older-than", "0", "--dumps-only")
    assert r.returncode == 0 and "1 stored dumps" in r.stderr
    repo = Repository.open(db_url)
    [rec] = list(repo.iter_verifications())
    assert not rec.dump_stored
    repo.close()
    assert "1 records" in run_cccd("purge", "--db", db_url, "--older-than", "0").stderr
