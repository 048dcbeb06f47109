"""Published CVC and Terminal Authentication material through the project's own functions.

test_vectors/cvc.json (sources in test_vectors/SOURCES.md): the BSI EAC worked example's TA
(CVCA -> DV -> terminal on brainpoolP512r1 and the terminal's signature over
Comp(PK_PICC) || r_PICC || Comp(PK_PCD)), the BSI test PKI's CVCA certificates and link
certificates on brainpoolP256r1, an authentication-terminal certificate with extensions,
and MSE:Set DST / MSE:Set AT APDUs as a terminal sends them.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from cccd_chip.eac import chain, cvc, ta
from cccd_chip.errors import VerificationError

ROOT = Path(__file__).resolve().parents[2]
V = json.loads((ROOT / "test_vectors" / "cvc.json").read_text(encoding="utf-8"))
PACE = json.loads((ROOT / "test_vectors" / "pace_gm_ecdh.json").read_text(encoding="utf-8"))
CERTS = V["certificates"]


def _cert(name: str) -> cvc.CvCertificate:
    return cvc.parse_certificate(bytes.fromhex(CERTS[name]["hex"]))


@pytest.mark.parametrize("name", sorted(CERTS))
def test_published_certificates_parse_and_reencode(name):
    e = CERTS[name]
    c = _cert(name)
    assert c.raw == bytes.fromhex(e["hex"])
    assert (c.car, c.chr, c.kind) == (e["car"], e["chr"], e["kind"])
    assert c.effective.isoformat() == e["effective"] and c.expiration.isoformat() == e["expiration"]
    if "template" in e:
        assert c.chat.template.hex().upper() == e["template"]
        assert c.chat.role_oid == e.get("role_oid", c.chat.role_oid)
    if "curve" in e:
        assert c.public_key.curve().name == e["curve"]
        assert c.public_key.algorithm.name == e["algorithm"]
    if "extensions" in e:
        assert [x.oid for x in c.extensions] == e["extensions"]
    if "pso_verify_data" in e:
        assert c.pso_data.hex().upper() == e["pso_verify_data"]


@pytest.mark.parametrize("name", ["DETESTeID00004", "DETESTeID00005"])
def test_bsi_test_cvca_self_signatures_verify(name):
    c = _cert(name)
    c.verify(c.public_key)
    forged = cvc.CvCertificate(c.profile, c.car, c.public_key, c.chr, c.chat, c.effective, c.expiration,
                               c.extensions, c.body[:-1] + bytes([c.body[-1] ^ 1]), c.signature)
    with pytest.raises(VerificationError):
        forged.verify(c.public_key)


def test_bsi_test_pki_link_certificates_chain():
    c5, l6, l7 = _cert("DETESTeID00005"), _cert("DETESTeID00006"), _cert("DETESTeID00007")
    l6.verify(c5.public_key)
    l7.verify(l6.public_key)
    # what a chip trusting only 00005 answers 6300 to: 00007 is not signed by 00005's key
    with pytest.raises(VerificationError):
        l7.verify(c5.public_key)
    assert chain.find_path([l7, l6, c5], ["DETESTeID00005"]) is None  # no terminal certificate: no path


def test_bsi_worked_example_terminal_authentication():
    w = V["bsi_worked_example_ta"]
    cvca = cvc.parse_certificate(bytes.fromhex(w["cvca"]))
    dv = cvc.parse_certificate(bytes.fromhex(w["dv"]))
    term = cvc.parse_certificate(bytes.fromhex(w["terminal"]))
    exp = w["expected"]
    assert (cvca.chr, dv.chr, term.chr) == (exp["cvca_chr"], exp["dv_chr"], exp["terminal_chr"])
    assert cvca.public_key.curve().name == exp["curve"] and cvca.public_key.algorithm.name == exp["algorithm"]
    assert cvca.effective.isoformat() == exp["cvca_effective"]
    res = chain.verify_chain(cvca, [dv, term], None)
    assert res.effective.template.hex().upper() == exp["effective_template"]
    # dates: the worked example's chain was valid in October 2010 only
    chain.verify_chain(cvca, [dv, term], dt.date(2010, 10, 15))
    with pytest.raises(VerificationError) as ei:
        chain.verify_chain(cvca, [dv, term], dt.date(2026, 1, 1))
    assert ei.value.reason == chain.R_EXPIRED
    pace = next(v for v in PACE["vectors"] if v["id"] == "bsi-eac-worked-example-pace-ecdh-gm")
    id_picc = ta.comp(bytes.fromhex(pace["inputs"]["pk_ka_ic"]), "ECDH")
    comp_pcd = ta.comp(bytes.fromhex(w["pk_pcd_ca"]), "ECDH")
    msg = ta.signed_message(id_picc, bytes.fromhex(w["r_picc"]), comp_pcd, bytes.fromhex(w["auxiliary_data"]))
    sig = bytes.fromhex(w["signature"])
    cvc.verify_signature(term.public_key, msg, sig, res.domain)
    with pytest.raises(VerificationError):  # another challenge: the chip answers 6300
        cvc.verify_signature(term.public_key, ta.signed_message(id_picc, bytes(8), comp_pcd), sig, res.domain)
    with pytest.raises(VerificationError):  # the DV's key did not sign it
        cvc.verify_signature(dv.public_key, msg, sig, res.domain)


def test_terminal_apdus_match_published_ones():
    a = V["apdus"]["mse_set_at_ta_v2"]
    raw = bytes.fromhex(a["hex"])
    objs = ta.parse_mse_set_at(raw[5:])
    assert objs[0x91].hex().upper() == a["comp_ephemeral_key"] and len(objs[0x67]) == a["auxiliary_data_length"]
    assert ta.mse_set_at(a["chr"], oid=a["oid"], aux=objs[0x67], comp_pk=objs[0x91]).encode() == raw
    d = V["apdus"]["mse_set_dst"]
    assert ta.mse_set_dst(d["car"]).encode() == bytes.fromhex(d["hex"])
