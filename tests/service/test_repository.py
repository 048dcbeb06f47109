"""The database layer (cccd_chip.service.repository) on SQLite and a real PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import inspect, text

from cccd_chip.errors import UsageError
from cccd_chip.service import keys as keymod
from cccd_chip.service.db import DatabaseError, engine_for, migrate
from cccd_chip.service.repository import NewVerification, Repository
from host_cli.exit_codes import exit_code_for


def _new(client="c1", digest="ab" * 32, tv="tv1", at="", verdict="successful", **kw) -> NewVerification:
    return NewVerification(client=client, dump_sha256=digest, trust_version=tv, time_reference=at, verdict=verdict,
                           report_json='{"overall":"%s"}' % verdict, **kw)


def test_migrations_create_the_schema_and_are_idempotent(db_url):
    eng = engine_for(db_url)
    assert migrate(eng) == "0001"
    assert migrate(eng) == "0001"  # a second start-up changes nothing
    names = set(inspect(eng).get_table_names())
    assert {"api_keys", "verifications", "trust_material", "alembic_version"} <= names
    cols = {c["name"] for c in inspect(eng).get_columns("verifications")}
    assert "document_number_hash" in cols and "dump_ciphertext" in cols
    assert not any("document_number" == c or "dump" == c for c in cols)  # no plain number, no plain dump
    eng.dispose()


def test_keys_are_stored_hashed_and_checked(db_url):
    repo = Repository.open(db_url)
    key, full = repo.create_key("bank app", "verify")
    assert keymod.key_id_of(full) == key.key_id
    with repo.engine.connect() as conn:
        stored = conn.execute(text("SELECT secret_sha256 FROM api_keys")).scalar_one()
    assert stored == keymod.digest(full) and full not in stored
    assert repo.authenticate(full).key_id == key.key_id
    wrong = full[:-2] + ("AA" if not full.endswith("AA") else "BB")
    assert repo.authenticate(wrong) is None
    assert repo.authenticate("cccd_000000000000_" + "A" * 43) is None
    assert repo.authenticate("not a key") is None
    assert repo.revoke_key("bank app") == 1
    assert repo.authenticate(full) is None
    assert [k.active for k in repo.list_keys()] == [False]
    with pytest.raises(UsageError):
        repo.create_key("x", "root")
    repo.close()


def test_insert_is_idempotent_per_client_dump_trust_and_time(db_url):
    repo = Repository.open(db_url)
    a, created = repo.insert_verification(_new())
    assert created
    b, created = repo.insert_verification(_new())
    assert not created and b.id == a.id
    assert repo.insert_verification(_new(tv="tv2"))[1]  # another trust version: a new record
    assert repo.insert_verification(_new(at="2026-01-01T00:00:00+00:00"))[1]
    assert repo.insert_verification(_new(client="c2"))[1]  # another client: its own record
    assert repo.count_verifications() == 4
    assert repo.get_verification(a.id).report() == {"overall": "successful"}
    assert repo.get_verification(a.id, client="c2") is None
    repo.close()


def test_concurrent_identical_inserts_give_one_record(db_url):
    repo = Repository.open(db_url)
    results = []

    def go():
        results.append(repo.insert_verification(_new(digest="cd" * 32)))

    threads = [threading.Thread(target=go) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({r.id for r, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    assert repo.count_verifications() == 1
    repo.close()


def test_paging_filters_and_purge(db_url):
    repo = Repository.open(db_url)
    for i in range(7):
        repo.insert_verification(_new(digest=f"{i:064x}", verdict="failed" if i % 3 == 0 else "successful"))
    page, nxt = repo.list_verifications(limit=3)
    seen = [r.dump_sha256 for r in page]
    while nxt is not None:
        page, nxt = repo.list_verifications(limit=3, after=nxt)
        seen += [r.dump_sha256 for r in page]
    assert seen == [f"{i:064x}" for i in range(7)]
    assert [r.verdict for r in repo.iter_verifications(verdict="failed")] == ["failed"] * 3
    future = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)
    assert repo.list_verifications(since=future)[0] == []
    assert repo.purge(future, dumps_only=True) == 0  # no dumps stored
    assert repo.purge(future - dt.timedelta(days=1)) == 0  # nothing that old
    assert repo.purge(future) == 7
    assert repo.count_verifications() == 0
    repo.close()


def test_trust_material_is_kept_once(db_url):
    repo = Repository.open(db_url)
    assert repo.add_trust_material("crl", b"\x30\x03\x02\x01\x01", "k1")
    assert not repo.add_trust_material("crl", b"\x30\x03\x02\x01\x01", "k1")
    assert repo.trust_materials() == [("crl", b"\x30\x03\x02\x01\x01")]
    repo.close()


def test_unreachable_database_is_a_clear_error():
    with pytest.raises(DatabaseError) as e:
        Repository.open("postgresql://nobody:secret-password@127.0.0.1:1/none")
    assert "secret-password" not in str(e.value) and exit_code_for(e.value) == 4
    with pytest.raises(UsageError):
        engine_for("mysql://x@y/z")
