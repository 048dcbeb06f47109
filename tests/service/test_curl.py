"""Issue 14 acceptance with the real `curl` binary against a real `cccd serve` process, on both databases.

A key from `cccd keys create`; curl POSTs the dump of a virtual card and gets the
report `cccd verify --json` prints for the same file; a tampered dump answers
`failed`; an unknown key 401; a body over the default 4 MiB limit 413; garbage
JSON 400 and JSON that is not a dump 422. Every request goes over loopback.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any, Optional

import pytest

from svc_support import AT, Server, run_cccd, tampered

PROBLEM = "application/problem+json"


def _curl_binary() -> str:
    path = shutil.which("curl")
    if path is None:
        pytest.fail("curl not found: install the Debian package 'curl' (in the Makefile's DEB_PACKAGES)")
    return path


class Curl:
    """Runs the curl binary; returns (status, content type, headers, body) of one request."""

    def __init__(self, server: Server, out: Path) -> None:
        self.server, self.out, self.bin = server, out, _curl_binary()

    def post(self, path: str, *, data: Optional[Path] = None, raw: Optional[bytes] = None,
             key: Optional[str] = None) -> tuple[int, str, str, bytes]:
        body = self.out / "curl-body"
        headers = self.out / "curl-headers"
        cmd = [self.bin, "-q", "--silent", "--show-error", "--noproxy", "*", "--max-time", "120",
               "-o", str(body), "-D", str(headers), "-w", "%{http_code} %{content_type}",
               "-H", "Content-Type: application/json"]
        if key is not None:
            cmd += ["-H", f"Authorization: Bearer {key}"]
        cmd += ["--data-binary", f"@{data}" if data is not None else "@-", self.server.url + path]
        r = subprocess.run(cmd, input=raw if data is None else None, capture_output=True, timeout=180)
        assert r.returncode == 0, r.stderr.decode(errors="replace")
        status, _, ctype = r.stdout.decode().partition(" ")
        return int(status), ctype, headers.read_text(errors="replace"), body.read_bytes()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def served(request: Any, tmp_path_factory: Any, dumps: Any) -> Any:
    work = tmp_path_factory.mktemp(f"curl-{request.param}")
    db = f"sqlite:///{work / 'service.db'}" if request.param == "sqlite" else \
        request.getfixturevalue("pg_cluster").new_database()
    s = Server(db, work, "--csca", dumps.csca(), "--workers", "1", "--rate-limit", "0")  # default --max-body
    r = run_cccd("keys", "create", "--db", db, "--name", "curl-app", env=s.env)
    assert r.returncode == 0, r.stderr
    key = r.stdout.strip()
    s.start()
    yield Curl(s, work), key
    assert s.stop() == 0


def _cli_report(dump: Path, csca: Path) -> dict[str, Any]:
    r = run_cccd("verify", "--json", "--at", AT, "--csca", str(csca), str(dump))
    assert r.returncode in (0, 1, 3), r.stderr
    out: dict[str, Any] = json.loads(r.stdout)
    return out


def test_curl_gets_the_report_cccd_verify_prints(served: Any, dumps: Any) -> None:
    curl, key = served
    status, ctype, headers, body = curl.post(f"/v1/verifications?at={AT}", data=dumps.dump(), key=key)
    assert status == 201 and ctype == "application/json", body
    got = json.loads(body)
    cli = _cli_report(dumps.dump(), dumps.csca())
    assert got["verdict"] == cli["overall"] == "successful"
    assert got["report"] == {**cli, "dump": got["report"]["dump"]}  # the service names the dump by its digest
    assert got["report"]["dump"] == f"sha256:{got['dump_sha256']}"
    assert f"location: /v1/verifications/{got['id']}" in headers.lower()
    again = curl.post(f"/v1/verifications?at={AT}", data=dumps.dump(), key=key)
    assert again[0] == 200 and json.loads(again[3]) == got  # the same record


def test_curl_tampered_dump_answers_failed(served: Any, dumps: Any, tmp_path: Path) -> None:
    curl, key = served
    bad = tampered(dumps.dump(), tmp_path / "tampered.json")
    status, _, _, body = curl.post(f"/v1/verifications?at={AT}", data=bad, key=key)
    assert status == 201
    got = json.loads(body)
    assert got["verdict"] == "failed" and got["report"]["overall"] == "failed"
    assert got["report"] == {**_cli_report(bad, dumps.csca()), "dump": got["report"]["dump"]}


def test_curl_unknown_key_is_401(served: Any, dumps: Any) -> None:
    curl, key = served
    forged = key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")
    for k in (forged, None):
        status, ctype, headers, body = curl.post("/v1/verifications", data=dumps.dump(), key=k)
        assert status == 401 and ctype == PROBLEM
        assert "www-authenticate: bearer" in headers.lower()
        assert json.loads(body)["type"] == "urn:cccd:problem:unauthorized"


def test_curl_oversize_body_is_413(served: Any, tmp_path: Path) -> None:
    curl, key = served
    big = tmp_path / "big.json"
    big.write_bytes(b'{"format": "cccd-dump", "pad": "' + b"0" * (4 * 1024 * 1024) + b'"}')  # just over 4 MiB
    status, ctype, _, body = curl.post("/v1/verifications", data=big, key=key)
    assert status == 413 and ctype == PROBLEM
    assert json.loads(body)["type"] == "urn:cccd:problem:payload-too-large"


@pytest.mark.parametrize("raw,status,slug", [
    (b"this is not json", 400, "malformed-json"),
    (b'{"format": "cccd-dump", "files": ', 400, "malformed-json"),
    (b"[" * 64 + b"]" * 64, 400, "json-too-deep"),
    (b'{"hello": "world"}', 422, "invalid-dump"),
    (b'{"format": "cccd-dump", "version": 1, "files": {"DG1": "not hex"}}', 422, "invalid-dump"),
])
def test_curl_garbage_json_is_400_or_422(served: Any, raw: bytes, status: int, slug: str) -> None:
    curl, key = served
    got_status, ctype, _, body = curl.post("/v1/verifications", raw=raw, key=key)
    assert got_status == status and ctype == PROBLEM, body
    problem = json.loads(body)
    assert problem["type"] == f"urn:cccd:problem:{slug}" and problem["status"] == status and problem["detail"]
