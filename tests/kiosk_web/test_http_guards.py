"""The page serves only its own client: token, Host name, custom header on POSTs, no caching,
bounded bodies, the CAN never echoed (a real ``cccd kiosk`` process, plain HTTP)."""

from __future__ import annotations

import http.client
import json
import urllib.parse

import pytest

import kiosk_browser as kb

pytestmark = pytest.mark.timeout(60)


def _get(k, path: str, host: str | None = None, read: bool = True):
    u = urllib.parse.urlsplit(k.base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    conn.putrequest("GET", path, skip_host=host is not None)
    if host is not None:
        conn.putheader("Host", host)
    conn.endheaders()
    r = conn.getresponse()
    body = r.read() if read else b""
    headers = {k.lower(): v for k, v in r.getheaders()}
    conn.close()
    return r.status, headers, body


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    from cccd_chip.emulator.personalize import personalize

    card = personalize("cccd-2021", 21, tmp_path_factory.mktemp("guards") / "card")
    k = kb.KioskProcess("--virtual", card, "--lang", "en")  # no credential: the keypad waits
    yield k
    k.stop()


def test_page_needs_the_token(running):
    k = running
    assert _get(k, "/")[0] == 403
    assert _get(k, "/?token=wrong")[0] == 403
    status, headers, body = _get(k, f"/?token={k.token}")
    assert status == 200 and b'<script src="/static/kiosk.js"' in body
    assert headers["cache-control"].startswith("no-store")
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY" and headers["referrer-policy"] == "no-referrer"


def test_event_stream_needs_the_token(running):
    k = running
    assert _get(k, "/events?token=nope")[0] == 403
    u = urllib.parse.urlsplit(k.base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    conn.request("GET", f"/events?token={k.token}")
    r = conn.getresponse()
    assert r.status == 200 and r.getheader("content-type").startswith("text/event-stream")
    assert r.getheader("cache-control").startswith("no-store")
    first = r.fp.readline() + r.fp.readline() + r.fp.readline()
    assert b"event: hello" in first
    conn.close()


def test_everything_is_no_store(running):
    k = running
    for path in ("/static/kiosk.js", "/static/kiosk.css", "/static/messages.json", "/nothing-here"):
        status, headers, _ = _get(k, path)
        assert headers["cache-control"].startswith("no-store"), path


def test_foreign_host_name_is_refused(running):
    k = running
    port = urllib.parse.urlsplit(k.base).port
    assert _get(k, f"/?token={k.token}", host=f"attacker.example:{port}")[0] == 421
    assert _get(k, f"/?token={k.token}", host=f"localhost:{port}")[0] == 200


def test_posts_need_the_header_token_and_same_origin(running):
    k = running
    assert k.post("/api/cancel", token="")[0] == 403
    assert k.post("/api/cancel", token="wrong")[0] == 403
    assert k.post("/api/can", json.dumps({"can": "123456"}).encode(),
                  headers={"Origin": "http://attacker.example"})[0] == 403
    assert k.post("/api/can", b"x" * 5000)[0] == 413


def test_can_is_validated_and_never_echoed(running):
    k = running
    import urllib.request

    req = urllib.request.Request(k.base + "/api/can", data=json.dumps({"can": "12ab<script>"}).encode(),
                                 method="POST", headers={"X-Kiosk-Token": k.token, "Content-Type": "application/json"})
    try:
        urllib.request.urlopen(req, timeout=10)
        raise AssertionError("accepted")
    except urllib.error.HTTPError as e:
        assert e.code == 400
        assert b"12ab" not in e.read()
    assert k.post("/api/virtual/remove")[0] in (204, 409)  # virtual mode: the remove button works


def test_no_docs_or_openapi(running):
    for path in ("/docs", "/openapi.json", "/redoc"):
        assert _get(running, path)[0] == 404
