"""The HTTP API against a real `cccd serve` process, on SQLite and on a real PostgreSQL.

One server per database for this module (module-scoped), with the CSCA of a virtual
card as trust anchor; the dumps are made with `cccd personalize` + `cccd read --out`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import time

import httpx
import pytest
from sqlalchemy import text

from cccd_chip.service.app import KEY_CACHE_SECONDS
from cccd_chip.service.db import engine_for
from svc_support import AT, HASH_KEY, Server, run_cccd, tampered
from testsupport.secret_scan import contains_secret

PROBLEM = "application/problem+json"


class Api:
    def __init__(self, server: Server, verify_key: str, admin_key: str, other_key: str) -> None:
        self.server, self.verify_key, self.admin_key, self.other_key = server, verify_key, admin_key, other_key
        self.c = server.client(verify_key)
        self.admin = server.client(admin_key)
        self.other = server.client(other_key)
        self.anon = server.client()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def api(request, tmp_path_factory, dumps):
    work = tmp_path_factory.mktemp(f"api-{request.param}")
    db = f"sqlite:///{work / 'service.db'}" if request.param == "sqlite" else \
        request.getfixturevalue("pg_cluster").new_database()
    s = Server(db, work, "--csca", dumps.csca(), "--workers", "2", "--rate-limit", "0", "--max-body", "200000",
               "--timeout", "5")
    keys = (s.key("verify", "app"), s.key("admin", "ops"), s.key("verify", "other-app"))
    s.start()
    yield Api(s, *keys)
    assert s.stop() == 0  # SIGTERM: a graceful stop, exit 0
    assert "Finished server process" in s.log.read_text()  # ... after a graceful shut-down
    assert not s.orphans


def _cli_report(dump, csca) -> dict:
    r = run_cccd("verify", "--json", "--at", AT, "--csca", csca, dump)
    assert r.returncode in (0, 1, 3), r.stderr
    return json.loads(r.stdout)


def _post(client: httpx.Client, body: bytes, at: str = AT) -> httpx.Response:
    return client.post("/v1/verifications", params={"at": at}, content=body,
                       headers={"Content-Type": "application/json"})


def test_report_is_what_cccd_verify_json_prints(api, dumps):
    body = dumps.dump().read_bytes()
    r = _post(api.c, body)
    assert r.status_code == 201, r.text
    out = r.json()
    digest = hashlib.sha256(body).hexdigest()
    assert out["dump_sha256"] == digest and out["verdict"] == "successful"
    assert r.headers["location"] == f"/v1/verifications/{out['id']}"
    cli = _cli_report(dumps.dump(), dumps.csca())
    assert out["report"]["dump"] == f"sha256:{digest}"  # the service has no path; everything else is equal
    assert out["report"] == {**cli, "dump": f"sha256:{digest}"}
    assert out["trust_version"] == cli["trust_store_version"]

    again = _post(api.c, body)  # idempotent: same dump, same trust version -> the existing record
    assert again.status_code == 200 and again.json() == out
    got = api.c.get(f"/v1/verifications/{out['id']}")
    assert got.status_code == 200 and got.json() == out


def test_tampered_dump_answers_failed(api, dumps, tmp_path):
    bad = tampered(dumps.dump(), tmp_path / "bad.json")
    r = _post(api.c, bad.read_bytes())
    assert r.status_code == 201
    rep = r.json()["report"]
    assert r.json()["verdict"] == "failed" and rep["overall"] == "failed"
    assert any(c["reason"] == "DG_HASH_MISMATCH" and c.get("subject") == "DG1" for c in rep["checks"])
    assert rep == {**_cli_report(bad, dumps.csca()), "dump": rep["dump"]}


@pytest.mark.parametrize("header", [None, "Bearer cccd_000000000000_" + "A" * 43, "Bearer nonsense",
                                    "Basic dXNlcjpwYXNz", "Bearer  x y"])
def test_unknown_or_missing_key_is_401(api, dumps, header):
    headers = {"Authorization": header} if header else {}
    r = api.anon.post("/v1/verifications", content=dumps.dump().read_bytes(), headers=headers)
    assert r.status_code == 401
    assert r.headers["content-type"] == PROBLEM and r.headers["www-authenticate"].startswith("Bearer")
    assert r.json()["type"] == "urn:cccd:problem:unauthorized"
    assert api.anon.get("/v1/trust", headers=headers).status_code == 401


def test_revoked_key_is_401(api):
    key = api.server.key("verify", "short-lived")
    c = api.server.client(key)
    assert c.get("/v1/trust").status_code == 200
    assert run_cccd("keys", "revoke", "--db", api.server.db, key.split("_")[1]).returncode == 0
    time.sleep(KEY_CACHE_SECONDS + 0.1)  # authenticated keys are cached this long at most
    assert c.get("/v1/trust").status_code == 401


def test_oversize_body_is_413(api):
    big = b"{" + b" " * 200_001 + b"}"
    r = api.c.post("/v1/verifications", content=big)
    assert r.status_code == 413 and r.headers["content-type"] == PROBLEM

    def chunks():  # no Content-Length: counted while reading
        for _ in range(30):
            yield b" " * 10_000

    r = api.c.post("/v1/verifications", content=chunks())
    assert r.status_code == 413


@pytest.mark.parametrize("body,status,slug", [
    (b"garbage", 400, "malformed-json"),
    (b"{\"format\": ", 400, "malformed-json"),
    (b"\xff\xfe{}", 400, "malformed-json"),
    (b"", 400, "malformed-json"),
    (b"[" * 40 + b"]" * 40, 400, "json-too-deep"),
    (b"[" * 100000, 400, "json-too-deep"),
    (b"[1, 2]", 422, "invalid-dump"),
    (b'{"format": "cccd-dump", "version": 1, "files": {"DG1": "zz"}}', 422, "invalid-dump"),
    (b'{"format": "cccd-dump", "version": 2, "files": {}}', 422, "invalid-dump"),
    (b'{"format": "cccd-dump", "version": 1, "files": {"../x": "00"}}', 422, "invalid-dump"),
    (b'{"format": "cccd-dump", "version": 1, "files": {}, "access": {"protocol": 5}}', 422, "invalid-dump"),
    (b'{"a": 1' + b'1' * 5000 + b'}', 400, "malformed-json"),
])
def test_bad_bodies_answer_4xx_with_a_reason(api, body, status, slug):
    r = api.c.post("/v1/verifications", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM
    p = r.json()
    assert p["type"] == f"urn:cccd:problem:{slug}" and p["status"] == status and p["detail"] and p["title"]


@pytest.mark.parametrize("params", [{"at": "yesterday"}, {"at": "2026-13-01"}, {"at": "x" * 41},
                                    {"at": "0001-01-01T00:00:00+14:00"}, {"at": "9999-12-31T23:59:59-14:00"}])
def test_bad_query_is_422(api, dumps, params):
    r = api.c.post("/v1/verifications", params=params, content=dumps.dump().read_bytes())
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM


def test_time_reference_makes_its_own_record(api, dumps):
    body = dumps.dump().read_bytes()
    a = _post(api.c, body, at="2026-11-01T00:00:00Z").json()
    b = _post(api.c, body, at="2026-11-02T00:00:00Z").json()
    assert a["id"] != b["id"] and b["report"]["verified_at"] == "2026-11-02T00:00:00+00:00"
    same = _post(api.c, body, at="2026-11-02T07:00:00+07:00")  # the same instant, another offset
    assert same.status_code == 200 and same.json()["id"] == b["id"]


def test_records_are_per_client_and_paged(api, dumps):
    mine = [_post(api.other, dumps.dump(seed).read_bytes()) for seed in (11, 12, 13)]
    assert all(r.status_code == 201 for r in mine)
    ids = [r.json()["id"] for r in mine]
    assert api.c.get(f"/v1/verifications/{ids[0]}").status_code == 404  # another client's record
    assert api.admin.get(f"/v1/verifications/{ids[0]}").status_code == 200  # admin sees all
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = api.other.get("/v1/verifications", params=params).json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert seen == ids
    assert api.other.get("/v1/verifications", params={"verdict": "failed"}).json()["items"] == []
    later = api.other.get("/v1/verifications", params={"since": "2999-01-01T00:00:00Z"}).json()
    assert later["items"] == []
    for bad in ({"limit": 0}, {"limit": 501}, {"cursor": "abc"}, {"verdict": "maybe"}, {"since": "soon"}):
        r = api.other.get("/v1/verifications", params=bad)
        assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    assert api.c.get("/v1/verifications/" + "0" * 32).status_code == 404
    assert api.c.get("/v1/verifications/not-an-id").status_code == 404


def test_record_keeps_the_document_number_only_as_keyed_hash(api, dumps):
    card = dumps.card(21)
    secrets = json.loads((card / "card.json").read_text())["secrets"]
    r = _post(api.c, dumps.dump(21).read_bytes())
    assert r.status_code == 201
    eng = engine_for(api.server.db)
    with eng.connect() as conn:
        row = conn.execute(text("SELECT * FROM verifications WHERE id = :i"), {"i": r.json()["id"]}).mappings().one()
    eng.dispose()
    expected = hmac.new(bytes.fromhex(HASH_KEY), b"cccd-document-number/1|VNM|" + secrets["document_number"].encode(),
                        hashlib.sha256).hexdigest()
    assert row["document_number_hash"] == expected
    assert row["dump_ciphertext"] is None  # not kept without --store-dumps
    flat = json.dumps({k: (v.hex() if isinstance(v, bytes) else str(v)) for k, v in row.items()})
    for secret in (secrets["document_number"], secrets["id"], secrets["can"], secrets["mrz"].splitlines()[2][:8]):
        assert not contains_secret(flat, secret)


def test_logs_are_json_without_personal_data_or_keys(api, dumps):
    _post(api.c, dumps.dump().read_bytes())
    api.anon.get("/v1/trust", headers={"Authorization": f"Bearer {api.verify_key[:-3]}xyz"})
    lines = api.server.log.read_text().splitlines()
    events = [json.loads(line) for line in lines]  # every line is one JSON object
    reqs = [e for e in events if e.get("event") == "request"]
    assert reqs and all({"route", "status", "ms", "request_id"} <= e.keys() for e in reqs)
    assert any(e.get("verdict") == "successful" and e.get("record") for e in reqs)
    text_all = "\n".join(lines)
    for seed in (3, 11, 21):
        s = json.loads((dumps.card(seed) / "card.json").read_text())["secrets"]
        for secret in (s["document_number"], s["id"], s["can"], s["mrz"].splitlines()[2][:8]):
            assert not contains_secret(text_all, secret)
    for key in (api.verify_key, api.admin_key, api.other_key):
        assert key[len("cccd_") + 13:][:12] not in text_all


def test_trust_material_needs_admin(api, dumps):
    crl = (dumps.card() / "csca.crl").read_bytes()
    r = api.c.post("/v1/trust/crls", content=crl)
    assert r.status_code == 403 and r.headers["content-type"] == PROBLEM
    trust = api.c.get("/v1/trust").json()
    assert trust["cscas"] == 1 and trust["cscas_by_country"] == {"VN": 1}


def test_operations_endpoints(api):
    assert api.anon.get("/healthz").json() == {"status": "ok"}
    ready = api.anon.get("/readyz")
    assert ready.status_code == 200 and ready.json()["trust_version"].startswith("ts-")
    m = api.anon.get("/metrics")
    assert m.status_code == 200 and m.headers["content-type"].startswith("text/plain")
    body = m.text
    for name in ("cccd_http_requests_total", "cccd_http_request_duration_seconds_bucket",
                 "cccd_verifications_total", "cccd_trust_store_age_seconds", "cccd_verify_workers 2",
                 "cccd_db_commits_total", "cccd_db_records_total", "cccd_db_flush_duration_seconds_bucket"):
        assert name in body
    commits = int(body.split("\ncccd_db_commits_total ")[1].split()[0])
    records = int(body.split("\ncccd_db_records_total ")[1].split()[0])
    assert 1 <= commits <= records  # every record went through the writer; a commit carries one or more
    assert 'route="/v1/verifications/{record_id}"' in body or 'route="/v1/verifications"' in body
    doc = api.anon.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    assert {"/v1/verifications", "/v1/verifications/{record_id}", "/v1/trust", "/v1/trust/crls",
            "/v1/trust/masterlists", "/healthz", "/readyz", "/metrics"} <= set(doc["paths"])


def test_slow_body_is_408(api):
    with socket.create_connection(("127.0.0.1", api.server.port), timeout=60) as s:
        s.sendall(b"POST /v1/verifications HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + api.verify_key.encode()
                  + b"\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"format\"")
        t0 = time.monotonic()
        data = s.recv(4096)
    assert b" 408 " in data.split(b"\r\n", 1)[0]
    assert time.monotonic() - t0 < 15


def test_post_verifications_is_described_and_gated_like_the_other_routes(api, dumps):
    """POST /v1/verifications is served in front of FastAPI (app.VerificationsEndpoint): its OpenAPI
    operation is still the declared one, the gates keep their order, and other methods on the
    path still reach FastAPI."""
    op = api.anon.get("/openapi.json").json()["paths"]["/v1/verifications"]["post"]
    assert op["security"] == [{"bearer": []}]
    [at] = op["parameters"]
    assert at["name"] == "at" and at["in"] == "query" and not at.get("required")
    assert op["requestBody"]["required"] and op["requestBody"]["content"]["application/json"]["schema"]["required"] \
        == ["format", "version", "files"]
    assert {"200", "201", "400", "401", "408", "413", "422", "429", "503"} <= set(op["responses"])
    body = dumps.dump().read_bytes()
    r = api.anon.post("/v1/verifications", params={"at": "x" * 41}, content=body)  # no key: 401 before the query
    assert r.status_code == 401
    r = api.c.post("/v1/verifications", params={"at": "yesterday"}, content=b"garbage")  # query before the body
    assert r.status_code == 422 and r.json()["type"] == "urn:cccd:problem:invalid-parameter"
    r = api.c.put("/v1/verifications", content=body)
    assert r.status_code == 405 and r.headers["content-type"] == PROBLEM
    r = _post(api.c, body)
    assert r.status_code in (200, 201) and len(r.headers["x-request-id"]) == 16
    assert r.headers["x-request-id"] != _post(api.c, body).headers["x-request-id"]
