"""Active Authentication: ISO/IEC 9796-2 scheme 1 (generated keys) and ECDSA; the ICAO App. F vector is in
tests/vectors/test_aa_vectors.py."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from cccd_chip.errors import VerificationError
from cccd_chip.lds import dg14, dg15
from cccd_chip.lds.security_infos import ID_AA, ActiveAuthenticationInfo
from cccd_chip.emulator import testpki
from cccd_chip.verify.active_auth import (
    check_active_authentication,
    recover_iso9796_2,
    verify_active_authentication,
)
from cccd_chip.crypto.signatures import load_public_key
from cccd_chip.verify.report import Reason, Verdict

CHALLENGE = bytes.fromhex("F173589974BF40C6")
_IDS = {"sha1": 0x33, "sha224": 0x38, "sha256": 0x34, "sha384": 0x36, "sha512": 0x35}


def _rsa_aa_sign(key, challenge: bytes, hash_name: str, implicit: bool) -> bytes:
    """Card-side ISO/IEC 9796-2 scheme 1 signature (test helper)."""
    n = key.private_numbers().public_numbers.n
    d = key.private_numbers().d
    k = (n.bit_length() + 7) // 8
    trailer = b"\xBC" if implicit else bytes([_IDS[hash_name], 0xCC])
    lh = hashlib.new(hash_name).digest_size
    m1 = hashlib.shake_256(b"M1").digest(k - 1 - lh - len(trailer))
    f = b"\x6A" + m1 + hashlib.new(hash_name, m1 + challenge).digest() + trailer
    return pow(int.from_bytes(f, "big"), d, n).to_bytes(k, "big")


@pytest.mark.parametrize("hash_name,implicit", [("sha1", True), ("sha1", False), ("sha256", False), ("sha512", False), ("sha224", False), ("sha384", False)])
def test_rsa_iso9796_2(hash_name, implicit):
    key = testpki.make_key("rsa2048", label="aa")
    pub = load_public_key(testpki.Issued(b"", key, "rsa2048").spki)
    sig = _rsa_aa_sign(key, CHALLENGE, hash_name, implicit)
    assert verify_active_authentication(CHALLENGE, sig, pub).hash == hash_name
    with pytest.raises(VerificationError):
        verify_active_authentication(bytes(8), sig, pub)  # another challenge (replay)
    bad = bytearray(sig)
    bad[5] ^= 1
    with pytest.raises(VerificationError):
        verify_active_authentication(CHALLENGE, bytes(bad), pub)


def _ec_aa(spec: str, hash_cls, oid: str):
    key = testpki.make_key(spec, label="aa-ec")
    r, s = decode_dss_signature(key.sign(CHALLENGE, ec.ECDSA(hash_cls())))
    size = (key.curve.key_size + 7) // 8
    sig = r.to_bytes(size, "big") + s.to_bytes(size, "big")
    dg15_raw = dg15.make(testpki.Issued(b"", key, spec).spki).raw
    dg14_raw = dg14.make([ActiveAuthenticationInfo(ID_AA, 1, oid)]).raw
    return sig, dg15_raw, dg14_raw


def test_ecdsa_plain_signature_with_hash_from_dg14():
    sig, d15, d14 = _ec_aa("bp256", hashes.SHA256, "0.4.0.127.0.7.1.1.4.1.3")
    c = check_active_authentication(CHALLENGE, sig, d15, d14, dg15_authenticated=True)
    assert (c.verdict, c.reason) == (Verdict.SUCCESSFUL, Reason.OK), c.to_json()
    c = check_active_authentication(bytes(8), sig, d15, d14, dg15_authenticated=True)
    assert (c.verdict, c.reason) == (Verdict.FAILED, Reason.AA_SIGNATURE_INVALID)
    # DG14 naming another hash: the signature no longer verifies
    _, _, d14_384 = _ec_aa("bp256", hashes.SHA256, "0.4.0.127.0.7.1.1.4.1.4")
    assert check_active_authentication(CHALLENGE, sig, d15, d14_384, dg15_authenticated=True).verdict is Verdict.FAILED


def test_ecdsa_without_aa_info_uses_key_size():
    sig, d15, _ = _ec_aa("p384", hashes.SHA384, "0.4.0.127.0.7.1.1.4.1.4")
    c = check_active_authentication(CHALLENGE, sig, d15, None, dg15_authenticated=True)
    assert c.verdict is Verdict.SUCCESSFUL and "key size" in c.detail


def test_aa_gated_on_passive_authentication_of_dg15():
    sig, d15, d14 = _ec_aa("bp256", hashes.SHA256, "0.4.0.127.0.7.1.1.4.1.3")
    c = check_active_authentication(CHALLENGE, sig, d15, d14, dg15_authenticated=False)
    assert (c.verdict, c.reason) == (Verdict.UNDETERMINED, Reason.KEY_NOT_AUTHENTICATED)


def test_aa_not_available_or_not_performed():
    assert check_active_authentication(None, None, None, None, dg15_authenticated=False).reason is Reason.AA_NOT_AVAILABLE
    _, d15, _ = _ec_aa("bp256", hashes.SHA256, "0.4.0.127.0.7.1.1.4.1.3")
    c = check_active_authentication(None, None, d15, None, dg15_authenticated=True)
    assert (c.verdict, c.reason) == (Verdict.NOT_SUPPORTED, Reason.NOT_PERFORMED)
    c = check_active_authentication(CHALLENGE, b"\x00" * 64, b"\x6F\x02\x30\x00", None, dg15_authenticated=True)
    assert c.verdict is Verdict.FAILED


def test_aa_challenge_sent_but_no_signature_is_failed():
    """DG15 offers AA and a challenge went out, but the chip did not sign (catalogue family 13)."""
    _, d15, _ = _ec_aa("bp256", hashes.SHA256, "0.4.0.127.0.7.1.1.4.1.3")
    c = check_active_authentication(CHALLENGE, None, d15, None, dg15_authenticated=True)
    assert (c.verdict, c.reason) == (Verdict.FAILED, Reason.AA_PROTOCOL_ERROR)
