"""Signature algorithms and EC keys, including explicit domain parameters."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from cccd_chip.crypto import ec as ecmath
from cccd_chip.crypto.signatures import load_public_key, parse_signature_algorithm, verify_signature
from cccd_chip.errors import InvalidPublicKeyError, UnsupportedError, VerificationError
from cccd_chip.lds.cms import AlgorithmIdentifier, rsassa_pss_params
from cccd_chip.emulator import testpki

MSG = b"signed attributes stand-in"


def _alg(oid: str, params: bytes | None = None, digest: str | None = None):
    return parse_signature_algorithm(AlgorithmIdentifier(oid, params).encode(), digest_oid=digest)


@pytest.mark.parametrize("h,salt", [("sha256", 32), ("sha384", 48), ("sha512", 20), ("sha1", 20)])
def test_rsassa_pss_parameters_come_from_the_algorithm_identifier(h, salt):
    key = testpki.make_key("rsa2048", label="pss")
    hc = {"sha1": hashes.SHA1, "sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}[h]
    sig = key.sign(MSG, padding.PSS(padding.MGF1(hc()), salt), hc())
    pub = load_public_key(testpki.Issued(b"", key, "rsa2048").spki)
    alg = _alg("1.2.840.113549.1.1.10", rsassa_pss_params(h, salt))
    assert (alg.hash, alg.mgf_hash, alg.salt_length) == (h, h, salt)
    verify_signature(pub, alg, MSG, sig)
    wrong_salt = _alg("1.2.840.113549.1.1.10", rsassa_pss_params(h, salt + 1))
    with pytest.raises(VerificationError):
        verify_signature(pub, wrong_salt, MSG, sig)


def test_pss_default_parameters_are_sha1_salt20():
    alg = _alg("1.2.840.113549.1.1.10", None)
    assert (alg.hash, alg.mgf_hash, alg.salt_length) == ("sha1", "sha1", 20)


def test_bare_rsa_encryption_takes_the_digest_algorithm():
    key = testpki.make_key("rsa2048", label="pkcs1")
    sig = key.sign(MSG, padding.PKCS1v15(), hashes.SHA384())
    pub = load_public_key(testpki.Issued(b"", key, "rsa2048").spki)
    verify_signature(pub, _alg("1.2.840.113549.1.1.1", b"\x05\x00", "2.16.840.1.101.3.4.2.2"), MSG, sig)
    with pytest.raises(VerificationError):
        verify_signature(pub, _alg("1.2.840.113549.1.1.1", b"\x05\x00", "2.16.840.1.101.3.4.2.1"), MSG, sig)
    with pytest.raises(UnsupportedError):
        _alg("1.2.840.113549.1.1.1", None, None)


@pytest.mark.parametrize("spec", ["p256", "p384", "p521", "bp256", "bp384", "bp512"])
@pytest.mark.parametrize("h", ["sha1", "sha224", "sha256", "sha384", "sha512"])
def test_ecdsa_all_hashes_all_curves(spec, h):
    key = testpki.make_key(spec, label="ecdsa")
    hc = {"sha1": hashes.SHA1, "sha224": hashes.SHA224, "sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}[h]
    sig = key.sign(MSG, ec.ECDSA(hc()))
    spki = testpki.Issued(b"", key, spec).spki
    oid = {"sha1": "1.2.840.10045.4.1", "sha224": "1.2.840.10045.4.3.1", "sha256": "1.2.840.10045.4.3.2",
           "sha384": "1.2.840.10045.4.3.3", "sha512": "1.2.840.10045.4.3.4"}[h]
    for s in (spki, testpki.explicit_spki(spki)):
        verify_signature(load_public_key(s), _alg(oid), MSG, sig)
    with pytest.raises(VerificationError):
        verify_signature(load_public_key(spki), _alg(oid), MSG + b"!", sig)


def test_explicit_parameters_equal_to_a_named_curve_are_matched():
    key = testpki.make_key("bp256", label="x")
    pub = load_public_key(testpki.explicit_spki(testpki.Issued(b"", key, "bp256").spki))
    assert pub.explicit and pub.curve == "brainpoolP256r1" and pub._key is not None


def test_bsi_plain_ecdsa_oid():
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    key = testpki.make_key("bp256", label="plain")
    r, s = decode_dss_signature(key.sign(MSG, ec.ECDSA(hashes.SHA256())))
    pub = load_public_key(testpki.Issued(b"", key, "bp256").spki)
    verify_signature(pub, _alg("0.4.0.127.0.7.1.1.4.1.3"), MSG, r.to_bytes(32, "big") + s.to_bytes(32, "big"))


def _sign_on(curve: ecmath.Curve, d: int, msg: bytes, k: int) -> tuple[int, int]:
    """Textbook ECDSA-SHA256 on an arbitrary curve (test-side signer)."""
    R = ecmath.mul(curve, k, curve.G)
    r = R.x % curve.n
    e = int.from_bytes(hashlib.sha256(msg).digest(), "big") >> max(0, 256 - curve.n.bit_length())
    s = pow(k, -1, curve.n) * (e + r * d) % curve.n
    return r, s


def test_altered_generator_is_not_the_named_curve_and_uses_own_ecdsa():
    """CurveBall pattern: same p, a, b, n, h but G' = 2G. Must not be mapped to brainpoolP256r1."""
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    named = ecmath.curve_by_name("brainpoolP256r1")
    g2 = ecmath.mul(named, 2, named.G)
    custom = ecmath.Curve("custom", None, named.p, named.a, named.b, g2.x, g2.y, named.n, named.h)
    d = 0x1234567890ABCDEF
    q = ecmath.mul(custom, d, custom.G)
    base = testpki.make_key("bp256", label="curveball")
    spki = testpki.explicit_spki(testpki.Issued(b"", base, "bp256").spki, generator=(g2.x, g2.y))
    # replace the public point by Q (same length) in the SPKI
    old_point = base.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    spki = spki.replace(old_point, ecmath.encode_point(custom, q))
    pub = load_public_key(spki)
    assert pub.explicit and pub.curve == "explicit" and pub._key is None
    r, s = _sign_on(custom, d, MSG, k=0xABCDEF123)
    verify_signature(pub, _alg("1.2.840.10045.4.3.2"), MSG, encode_dss_signature(r, s))
    with pytest.raises(VerificationError):
        verify_signature(pub, _alg("1.2.840.10045.4.3.2"), MSG + b"x", encode_dss_signature(r, s))
    # the same signature is NOT valid under the named curve with the same point
    named_key = ec.EllipticCurvePublicKey.from_encoded_point(ec.BrainpoolP256R1(), ecmath.encode_point(named, q))
    with pytest.raises(Exception):
        named_key.verify(encode_dss_signature(r, s), MSG, ec.ECDSA(hashes.SHA256()))


def test_altered_cofactor_is_refused():
    key = testpki.make_key("bp256", label="cof")
    spki = testpki.explicit_spki(testpki.Issued(b"", key, "bp256").spki, cofactor=2)
    with pytest.raises(InvalidPublicKeyError):
        load_public_key(spki)


def test_rsa_key_cannot_verify_ecdsa():
    key = testpki.make_key("rsa2048", label="mix")
    pub = load_public_key(testpki.Issued(b"", key, "rsa2048").spki)
    with pytest.raises(VerificationError) as e:  # a signature that cannot be valid: failed, not unsupported
        verify_signature(pub, _alg("1.2.840.10045.4.3.2"), MSG, b"\x30\x00")
    assert e.value.reason == "KEY_FAMILY_MISMATCH"


def test_ecdsa_integer_without_leading_zero_is_tolerated():
    """A signer that wrote r as a negative INTEGER (missing 00): read unsigned, still verifies."""
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    key = testpki.make_key("bp256", label="neg")
    pub = load_public_key(testpki.Issued(b"", key, "bp256").spki)
    for i in range(64):  # find a signature whose r needs the 00 pad
        msg = MSG + bytes([i])
        r, s = decode_dss_signature(key.sign(msg, ec.ECDSA(hashes.SHA256())))
        if r >> 255:
            break
    rb, sb = r.to_bytes(32, "big"), s.to_bytes(33, "big").lstrip(b"\x00") or b"\x00"
    sb = sb if not sb[0] & 0x80 else b"\x00" + sb
    body = b"\x02" + bytes([len(rb)]) + rb + b"\x02" + bytes([len(sb)]) + sb
    broken = b"\x30" + bytes([len(body)]) + body
    alg = _alg("1.2.840.10045.4.3.2")
    verify_signature(pub, alg, msg, broken)
    with pytest.raises(VerificationError):
        verify_signature(pub, alg, msg + b"x", broken)
