"""Card-verifiable certificates built and parsed by the project (TR-03110-3 Appendix C), chains,
EF.CVCA and the terminal's signer - with the tampered twin of every accepted case."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from cccd_chip.crypto import ec as _ec
from cccd_chip.eac import chain, chat, cvc, ef_cvca, oids, signer, ta
from cccd_chip.emulator.eac_pki import make_eac_pki
from cccd_chip.errors import CccdError, ParseError, UnsupportedError, UsageError, VerificationError

D = dt.date
CURVES = {"brainpoolP256r1": ec.BrainpoolP256R1, "brainpoolP384r1": ec.BrainpoolP384R1,
          "brainpoolP512r1": ec.BrainpoolP512R1, "secp256r1": ec.SECP256R1, "secp384r1": ec.SECP384R1,
          "secp521r1": ec.SECP521R1}


def _ec_key(curve: str, hash_name: str, *, with_domain: bool):
    key = ec.generate_private_key(CURVES[curve]())
    nums = key.public_key().public_numbers()
    pub = cvc.ec_public_key(oids.ecdsa_oid(hash_name), _ec.curve_by_name(curve), _ec.Point(nums.x, nums.y),
                            with_domain=with_domain)
    return key, pub


def _sign(key, pub: cvc.CvcPublicKey, domain=None):
    s = signer.PemSigner(key)
    return lambda body: s.sign(body, pub.algorithm, domain)


@pytest.mark.parametrize("curve,hash_name", [("brainpoolP256r1", "sha256"), ("brainpoolP384r1", "sha384"),
                                             ("brainpoolP512r1", "sha512"), ("secp256r1", "sha256"),
                                             ("secp384r1", "sha224"), ("secp521r1", "sha512")])
def test_ecdsa_cvca_dv_is_round_trip(curve, hash_name):
    k1, p1 = _ec_key(curve, hash_name, with_domain=True)
    k2, p2 = _ec_key(curve, hash_name, with_domain=False)
    k3, p3 = _ec_key(curve, hash_name, with_domain=False)
    full = chat.inspection_system(chat.ROLE_CVCA, dg3=True, dg4=True)
    ca = cvc.build_certificate("UTCVCA00001", p1, "UTCVCA00001", full, D(2024, 1, 1), D(2030, 1, 1), _sign(k1, p1))
    domain = ca.public_key.curve()
    assert domain.name == curve
    dv = cvc.build_certificate("UTCVCA00001", p2, "UTDV00001", chat.inspection_system(chat.ROLE_DV_FOREIGN, dg3=True, dg4=False),
                               D(2024, 1, 1), D(2028, 1, 1), _sign(k1, p1, domain))
    term = cvc.build_certificate("UTDV00001", p3, "UTIS00001", chat.inspection_system(chat.ROLE_TERMINAL, dg3=True, dg4=True),
                                 D(2025, 1, 1), D(2025, 6, 1), _sign(k2, p2, domain),
                                 extensions=(cvc.Extension(oids.ID_EXTENSIONS + ".1", ((0x80, b"\x01" * 32),)),))
    for c in (ca, dv, term):
        assert cvc.parse_certificate(c.raw) == c
    assert term.extensions[0].name == "id-description"
    res = chain.verify_chain(ca, [dv, term], D(2025, 3, 1))
    assert res.effective.allows("DG3") and not res.effective.allows("DG4")  # the DV grants DG3 only
    assert res.effective.role == chat.ROLE_TERMINAL
    with pytest.raises(VerificationError) as ei:
        chain.verify_chain(ca, [dv, term], D(2025, 7, 1))
    assert ei.value.reason == chain.R_EXPIRED
    with pytest.raises(VerificationError) as ei:
        chain.verify_chain(ca, [dv, term], D(2024, 6, 1))
    assert ei.value.reason == chain.R_NOT_YET_VALID
    # tampered twin: one byte of the terminal's body
    bad = cvc.CvCertificate(term.profile, term.car, term.public_key, term.chr, term.chat, term.effective,
                            term.expiration, term.extensions, term.body[:-3] + bytes([term.body[-3] ^ 1]) + term.body[-2:],
                            term.signature)
    with pytest.raises(VerificationError) as ei:
        chain.verify_chain(ca, [dv, bad], None)
    assert ei.value.reason == chain.R_SIGNATURE


@pytest.mark.parametrize("oid_name", ["id-TA-RSA-v1-5-SHA-256", "id-TA-RSA-PSS-SHA-256", "id-TA-RSA-v1-5-SHA-1",
                                      "id-TA-RSA-PSS-SHA-512"])
def test_rsa_certificates(oid_name):
    alg = oids.TA_BY_NAME[oid_name]
    key = rsa.generate_private_key(65537, 2048)
    n = key.public_key().public_numbers().n
    pub = cvc.rsa_public_key(alg.oid, n, 65537)
    c = cvc.build_certificate("UTCVCA00001", pub, "UTCVCA00001", chat.inspection_system(chat.ROLE_CVCA, dg3=True, dg4=True),
                              D(2024, 1, 1), D(2030, 1, 1), _sign(key, pub))
    c.verify(c.public_key)
    assert c.public_key.to_json()["modulus_bits"] == 2048
    other = cvc.rsa_public_key(alg.oid, rsa.generate_private_key(65537, 2048).public_key().public_numbers().n, 65537)
    with pytest.raises(VerificationError):
        c.verify(other)


def test_requests_plain_and_authenticated():
    k_new, p_new = _ec_key("brainpoolP256r1", "sha256", with_domain=True)
    k_old, p_old = _ec_key("brainpoolP256r1", "sha256", with_domain=True)
    plain = cvc.build_request(p_new, "UTIS00002", _sign(k_new, p_new), car="UTDV00001")
    assert cvc.parse_any(plain.raw) == plain and plain.outer_signature is None
    plain.verify_inner()
    auth = cvc.build_request(p_new, "UTIS00002", _sign(k_new, p_new), outer_car="UTIS00001",
                             sign_outer=_sign(k_old, p_old))
    again = cvc.parse_request(auth.raw)
    assert again.outer_car == "UTIS00001" and again.chr == "UTIS00002"
    again.verify_inner()
    again.verify_outer(p_old)
    with pytest.raises(VerificationError):
        again.verify_outer(p_new)
    assert auth.to_json()["authenticated"] is True


def test_dates_are_unpacked_bcd():
    assert cvc.encode_date(D(2031, 12, 9)) == bytes([3, 1, 1, 2, 0, 9])
    assert cvc.decode_date(bytes([2, 5, 0, 2, 2, 8])) == D(2025, 2, 28)
    for bad in (bytes([2, 5, 0, 2, 2, 10]), bytes([2, 5, 1, 3, 0, 1]), bytes([2, 5, 0, 2, 3]), b"\x32\x35\x30\x32\x32\x38"):
        with pytest.raises(ParseError):
            cvc.decode_date(bad)


def test_chat_rights_and_effective_and():
    full = chat.inspection_system(chat.ROLE_CVCA, dg3=True, dg4=True)
    dv = chat.inspection_system(chat.ROLE_DV_DOMESTIC, dg3=False, dg4=True)
    term = chat.inspection_system(chat.ROLE_TERMINAL, dg3=True, dg4=True)
    eff = chat.effective([full, dv, term])
    assert eff.template == b"\x02" and not eff.allows("DG3") and eff.allows("DG4")
    assert full.template == b"\xc3" and dv.template == b"\x82"
    assert chat.parse(full.encode()[3:]) == full
    with pytest.raises(ParseError):
        chat.parse(chat.Chat(oids.ID_IS, b"\x03\x00").encode()[3:])  # id-IS has one byte


def test_find_path_and_anchor_from_the_test_pki():
    p = make_eac_pki("VN", "unit")
    certs = [p.inspection_system, p.dv, p.link, p.cvca]
    path = chain.find_path(certs, ["VNTESTCVCA00001"], p.inspection_system.public_key.fingerprint())
    assert [c.chr for c in path] == ["VNTESTCVCA00002", "VNTESTDV00001", "VNTESTIS00001"]
    assert [c.chr for c in chain.find_path(certs, ["VNTESTCVCA00002"])] == ["VNTESTDV00001", "VNTESTIS00001"]
    assert chain.find_path(certs, ["VNOTHRCVCA00001"]) is None
    assert chain.find_path(certs, ["VNTESTCVCA00001"], "00" * 32) is None  # no certificate for that key
    assert chain.anchor_for(certs, "VNTESTCVCA00001") is p.cvca
    res = chain.verify_chain(p.cvca, path, D(2026, 12, 3))
    assert res.effective.allows("DG3") and res.effective.allows("DG4")
    with pytest.raises(VerificationError) as ei:  # a DV cannot be skipped
        chain.verify_chain(p.cvca, [p.link, p.inspection_system], None)
    assert ei.value.reason in (chain.R_BROKEN, chain.R_ROLE)
    with pytest.raises(VerificationError) as ei:  # a chain must end with a terminal
        chain.verify_chain(p.cvca, [p.link, p.dv], None)
    assert ei.value.reason == chain.R_ROLE


def test_faulty_test_pkis():
    p = make_eac_pki("VN", "unit", frozenset({"ta-dv-no-dg3"}))
    res = chain.verify_chain(p.cvca, [p.link, p.dv, p.inspection_system], D(2026, 12, 3))
    assert not res.effective.allows("DG3") and res.effective.allows("DG4")
    p = make_eac_pki("VN", "unit", frozenset({"ta-is-expired"}))
    with pytest.raises(VerificationError) as ei:
        chain.verify_chain(p.cvca, [p.link, p.dv, p.inspection_system], D(2026, 12, 3))
    assert ei.value.reason == chain.R_EXPIRED
    p = make_eac_pki("VN", "unit", frozenset({"ta-wrong-car"}))
    assert ef_cvca.parse(p.ef_cvca) == ("VNOTHRCVCA00001",)


def test_ef_cvca():
    raw = ef_cvca.build(["DETESTCVCA00003", "DETESTCVCA00002"])
    assert len(raw) == 36 and ef_cvca.parse(raw) == ("DETESTCVCA00003", "DETESTCVCA00002")
    for bad in (b"\x00" * 36, b"\x43\x02AB" + bytes(32), b"\x42\x20" + b"A" * 32 + b"\x00\x00",
                ef_cvca.build(["A"])[:3] + b"\x42\x01B\x42\x01C" + bytes(20)):
        with pytest.raises(ParseError):
            ef_cvca.parse(bad)


def test_malformed_input_only_project_errors():
    """Truncations, bit flips and random bytes: a CVC parse either succeeds or raises a CccdError."""
    p = make_eac_pki("VN", "fuzz")
    seeds = [p.cvca.raw, p.inspection_system.raw, cvc.build_request(
        p.cvca.public_key, "VNTESTIS00009", lambda b: bytes(64)).raw]
    rnd = random.Random(17)
    cases = 0
    for raw in seeds:
        variants = [raw[:i] for i in range(0, len(raw), 7)]
        for _ in range(300):
            b = bytearray(raw)
            for _ in range(rnd.randint(1, 4)):
                b[rnd.randrange(len(b))] = rnd.randrange(256)
            variants.append(bytes(b))
        variants.append(bytes(rnd.randrange(256) for _ in range(200)))
        variants.append(b"\x7f\x21\x84\x7f\xff\xff\xff" + raw[4:])
        variants.append(b"\x7f\x21" + b"\x82\x30\x00" + b"\x00" * (cvc.MAX_CVC + 10))
        for v in variants:
            cases += 1
            try:
                parsed = cvc.parse_any(v)
            except CccdError:
                continue
            parsed.to_json()
    assert cases > 900


def test_signer_pem_and_errors(tmp_path, monkeypatch):
    p = make_eac_pki("VN", "signer")
    path = tmp_path / "is.pem"
    path.write_bytes(p.is_key_pem)
    s = signer.PemSigner.load(path)
    assert s.fingerprint == p.inspection_system.public_key.fingerprint()
    assert "PRIVATE" not in repr(s) and str(path.name) in repr(s)
    domain = p.cvca.public_key.curve()
    msg = ta.signed_message(b"\x01" * 32, b"\x02" * 8, b"\x03" * 32)
    sig = s.sign(msg, p.inspection_system.public_key.algorithm, domain)
    cvc.verify_signature(p.inspection_system.public_key, msg, sig, domain)
    with pytest.raises(VerificationError):
        cvc.verify_signature(p.dv.public_key, msg, sig, domain)
    junk = tmp_path / "junk.pem"
    junk.write_bytes(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    with pytest.raises(UsageError):
        signer.PemSigner.load(junk)
    key = serialization.load_pem_private_key(p.is_key_pem, None)
    enc = tmp_path / "enc.pem"
    enc.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.BestAvailableEncryption(b"correct horse")))
    monkeypatch.delenv(signer.PASSWORD_ENV, raising=False)
    with pytest.raises(UsageError) as ei:
        signer.PemSigner.load(enc)
    assert "correct horse" not in str(ei.value)
    monkeypatch.setenv(signer.PASSWORD_ENV, "correct horse")
    assert signer.PemSigner.load(enc).fingerprint == s.fingerprint


def test_unknown_algorithm_and_profile():
    p = make_eac_pki("VN", "odd")
    odd = cvc.CvcPublicKey("1.2.3.4", p.inspection_system.public_key.objects)
    with pytest.raises(UnsupportedError):
        cvc.verify_signature(odd, b"x", b"y")
    body = p.cvca.raw.replace(b"\x5f\x29\x01\x00", b"\x5f\x29\x01\x01", 1)
    with pytest.raises(UnsupportedError):
        cvc.parse_certificate(body)
