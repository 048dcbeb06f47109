"""Quirk: RSA modulus DER-encoded as a negative INTEGER (issue 11 defect 3), read unsigned in one place."""

from __future__ import annotations

import os

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from cccd_chip.crypto.key_integers import read_key_integer, read_rsa_public_key
from cccd_chip.crypto.signatures import load_public_key
from cccd_chip.emulator.aa_card import iso9796_2_sign
from cccd_chip.errors import ParseError
from cccd_chip.iso7816 import tlv
from cccd_chip.lds import dg15
from cccd_chip.emulator import testpki
from cccd_chip.verify.active_auth import check_active_authentication
from cccd_chip.verify.report import Verdict

from quirk_helpers import CSCA, FILES, flip, negative_rsa_spki, passive, store, trusted, verdict_of

AA_KEY = rsa.generate_private_key(65537, 1024)
SPKI = AA_KEY.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
NEG_SPKI = negative_rsa_spki(SPKI)
DG15 = tlv.encode(0x6F, NEG_SPKI)
CHALLENGE = bytes.fromhex("0011223344556677")


def _aa(challenge=CHALLENGE, dg15_raw=DG15, hname="sha1"):
    sig = iso9796_2_sign(AA_KEY, challenge, hname, os.urandom)
    return sig


def test_key_integer_reader():
    assert read_key_integer(b"\x80\x01") .value == 0x8001 and read_key_integer(b"\x80\x01").negative_encoding
    assert read_key_integer(b"\x00\x80").value == 0x80 and not read_key_integer(b"\x00\x80").negative_encoding
    with pytest.raises(ParseError):
        read_key_integer(b"")


def test_negative_modulus_loads_with_warning():
    key = load_public_key(NEG_SPKI)
    assert key.bits == 1024 and key.negative_integers == ("RSA modulus",)
    assert load_public_key(SPKI).negative_integers == ()
    parsed = dg15.parse(DG15)
    assert parsed.key_size == 1024 and parsed.negative_integers
    n, _ = read_rsa_public_key(parsed.public_key)
    assert n.value == AA_KEY.public_key().public_numbers().n


def test_aa_with_negative_modulus_dg15_succeeds_with_warning():
    sig = _aa()
    c = check_active_authentication(CHALLENGE, sig, DG15, None, dg15_authenticated=True)
    assert (c.verdict, c.reason.value) == (Verdict.SUCCESSFUL, "KEY_INTEGER_NEGATIVE")


def test_aa_tampered_twins_fail():
    sig = _aa()
    c = check_active_authentication(CHALLENGE, flip(sig, 5), DG15, None, dg15_authenticated=True)
    assert c.verdict is Verdict.FAILED
    c = check_active_authentication(bytes(8), sig, DG15, None, dg15_authenticated=True)
    assert c.verdict is Verdict.FAILED
    # DG15 not authenticated by PA (e.g. its bytes were changed): never successful
    c = check_active_authentication(CHALLENGE, sig, DG15, None, dg15_authenticated=False)
    assert c.verdict is Verdict.UNDETERMINED


def test_dg15_with_negative_modulus_in_a_signed_document():
    files = {**FILES, "DG15": DG15}
    dsc = testpki.make_dsc(CSCA, key_spec="p256", seed=11)
    res = passive({**files, "SOD": testpki.make_sod(files, dsc)})
    assert trusted(res)
    res = passive({**files, "DG15": flip(DG15, len(DG15) - 3), "SOD": testpki.make_sod(files, dsc)})
    assert verdict_of(res, "passive.dg_hash", "DG15") == (Verdict.FAILED, "DG_HASH_MISMATCH")


def _rsa_issued(label: str):
    return testpki.make_csca("VN", key_spec="rsa2048", seed=13, cn=label, scheme="pkcs1")


def test_dsc_with_negative_modulus_verifies_with_warning():
    rsa_dsc = testpki.make_dsc(CSCA, key_spec="rsa2048", seed=14, scheme="pss")
    neg = negative_rsa_spki(rsa_dsc.spki)
    dsc = testpki.Issued(testpki.resign_with_spki(rsa_dsc.cert_der, neg, CSCA.key), rsa_dsc.key, rsa_dsc.key_spec)
    sod_raw = testpki.make_sod(FILES, dsc, scheme="pkcs1")
    res = passive({**FILES, "SOD": sod_raw})
    assert trusted(res), res.checks
    assert verdict_of(res, "passive.signature") == (Verdict.SUCCESSFUL, "KEY_INTEGER_NEGATIVE")
    # tampered twin: one DG hash in the eContent changed -> failed
    from cccd_chip.lds import sod as sod_mod

    econtent = sod_mod.parse(sod_raw).signed_data.econtent
    pos = sod_raw.index(econtent) + len(econtent) - 5
    res = passive({**FILES, "SOD": flip(sod_raw, pos)})
    assert verdict_of(res, "passive.signature")[0] is Verdict.FAILED


def test_csca_with_negative_modulus_anchors_with_warning():
    csca = testpki.make_csca("VN", key_spec="rsa2048", seed=15, cn="CSCA neg", scheme="pss")
    neg = negative_rsa_spki(csca.spki)
    csca_neg = testpki.Issued(testpki.resign_with_spki(csca.cert_der, neg, csca.key), csca.key, csca.key_spec)
    dsc = testpki.make_dsc(csca, key_spec="p256", seed=15)
    res = passive({**FILES, "SOD": testpki.make_sod(FILES, dsc)}, store(csca_neg))
    assert trusted(res), res.checks
    assert verdict_of(res, "passive.dsc_chain") == (Verdict.SUCCESSFUL, "KEY_INTEGER_NEGATIVE")
    # tampered twin: the embedded DSC's subject changed (its CSCA signature no longer verifies)
    sod_raw = testpki.make_sod(FILES, dsc)
    pos = sod_raw.index(b"DS Test VN")
    res = passive({**FILES, "SOD": flip(sod_raw, pos)}, store(csca_neg))
    assert verdict_of(res, "passive.dsc_chain") == (Verdict.FAILED, "DSC_SIGNATURE_INVALID")
