"""Trust material over the API: signature checked, atomic swap under load, kept across restarts."""

from __future__ import annotations

import json
import threading

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from cccd_chip.emulator import testpki
from svc_support import AT


def _flip_last(data: bytes) -> bytes:
    return data[:-1] + bytes([data[-1] ^ 0x01])


def _variant(body: bytes, i: int) -> bytes:
    m = json.loads(body)
    m["source"] = f"swap-load-{i}"
    return json.dumps(m).encode()


def test_masterlist_and_crl_upload_swap_atomically(db_url, dumps, server_factory, tmp_path):
    card_csca = x509.load_pem_x509_certificate(dumps.csca().read_bytes()).public_bytes(Encoding.DER)
    root = testpki.make_csca("VN", key_spec="p256", seed=99, serial=77, cn="Master List Root VN")
    ml = testpki.make_master_list(testpki.make_ml_signer(root), [card_csca])
    (tmp_path / "root.pem").write_bytes(root.pem)
    s = server_factory(db_url, "--masterlist-root", tmp_path / "root.pem", "--workers", "2", "--rate-limit", "0")
    admin_key, verify_key = s.key("admin"), s.key("verify")
    s.start()
    admin, c = s.client(admin_key), s.client(verify_key)
    body = dumps.dump().read_bytes()

    before = c.post("/v1/verifications", params={"at": AT}, content=body)
    assert before.status_code == 201 and before.json()["verdict"] == "undetermined"  # no CSCA yet
    v0 = c.get("/v1/trust").json()["version"]

    assert c.post("/v1/trust/masterlists", content=ml).status_code == 403
    bad = admin.post("/v1/trust/masterlists", content=_flip_last(ml))
    assert bad.status_code == 422 and bad.json()["type"] == "urn:cccd:problem:trust-material-rejected"
    assert c.get("/v1/trust").json()["version"] == v0  # a rejected upload changes nothing

    statuses: list[int] = []
    stop = threading.Event()

    def load(tid: int) -> None:  # verifications keep coming while the store is swapped
        client = s.client(verify_key)
        i = 0
        while not stop.is_set() and i < 400:
            statuses.append(client.post("/v1/verifications", params={"at": AT}, content=_variant(body, tid * 1000 + i)).status_code)
            i += 1

    threads = [threading.Thread(target=load, args=(t,)) for t in range(3)]
    for t in threads:
        t.start()
    up = admin.post("/v1/trust/masterlists", content=ml)
    n_during = len(statuses)
    stop.set()
    for t in threads:
        t.join()
    assert up.status_code == 201, up.text
    change = up.json()
    assert change["changed"] and change["previous_version"] == v0 and change["trust_version"] != v0
    assert statuses and set(statuses) == {201}, sorted(set(statuses))  # no request failed during the swap
    assert n_during > 0

    after = c.post("/v1/verifications", params={"at": AT}, content=body)
    assert after.status_code == 201  # a new trust version: a new record, now verified
    assert after.json()["verdict"] == "successful" and after.json()["trust_version"] == change["trust_version"]
    again = admin.post("/v1/trust/masterlists", content=ml)
    assert again.status_code == 200 and not again.json()["changed"]

    crl = (dumps.card() / "csca.crl").read_bytes()
    assert admin.post("/v1/trust/crls", content=_flip_last(crl)).status_code == 422
    other = testpki.make_csca("VN", key_spec="p256", seed=5, serial=9, cn="Unknown CSCA")
    assert admin.post("/v1/trust/crls", content=testpki.make_crl(other)).status_code == 422
    assert admin.post("/v1/trust/crls", content=b"").status_code == 400
    assert admin.post("/v1/trust/crls", content=b"-----BEGIN X509 CRL-----\n!!\n-----END X509 CRL-----\n").status_code == 422
    up = admin.post("/v1/trust/crls", content=crl, headers={"Content-Type": "application/pkix-crl"})
    assert up.status_code == 201
    trust = c.get("/v1/trust").json()
    assert trust["version"] == up.json()["trust_version"] and trust["swaps"] == 2
    assert trust["cscas"] == 2 and len(trust["crls"]) == 1 and trust["crls"][0]["next_update"]
    assert "cccd_trust_store_swaps_total 2" in s.client().get("/metrics").text

    s.stop()
    s.start()  # the material added over the API is re-applied on start-up
    assert s.client(verify_key).get("/v1/trust").json()["version"] == trust["version"]
