"""EC arithmetic against OpenSSL, encodings, and validation of received points."""

from __future__ import annotations

from cccd_chip.emulator.determinism import Drbg


import pytest
from cryptography.hazmat.primitives.asymmetric import ec as oec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from cccd_chip.crypto import ec
from cccd_chip.errors import InvalidPublicKeyError


def _det_rng(seed: bytes):
    """Deterministic rng for tests (the emulator's seeded DRBG)."""
    return Drbg(seed.hex())


# toy curve y^2 = x^3 + x + 1 over GF(1019): #E = 1052 = 4 * 263, (467, 0) has order 2
TOY = ec.Curve("toy", None, 1019, 1, 1, 10, 537, 263, 4)


@pytest.mark.parametrize("name", sorted(ec.CURVES))
def test_named_curve_parameters_are_sound(name):
    c = ec.CURVES[name]
    ec.validate_domain(c)
    assert ec.find_named_curve(*c.params) is c
    assert ec.curve_by_oid(c.oid) is c


@pytest.mark.parametrize("name", sorted(ec.CURVES))
def test_scalar_multiplication_matches_openssl_or_comb(name):
    c = ec.CURVES[name]
    rng = _det_rng(name.encode())
    k = ec.random_scalar(c.n, rng)
    P = ec.mul(c, k, c.G)
    assert P == ec._mul_base_own(c, k) == ec.mul_base(c, k)
    oc = ec.ossl_curve(c)
    if oc is not None:
        raw = oec.derive_private_key(k, oc).public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
        assert ec.encode_point(c, P) == raw
    k2 = ec.random_scalar(c.n, rng)
    Q = ec.mul_base(c, k2)
    assert ec.mul_add(c, k, c.G, k2, Q) == ec.mul_base(c, (k + k2 * k2) % c.n)
    assert ec.mul(c, c.n, c.G) is None
    assert ec.mul(c, c.n - 1, c.G) == ec.neg(c, c.G)
    assert ec.add(c, P, ec.neg(c, P)) is None
    assert ec.add(c, P, P) == ec.double(c, P) == ec.mul(c, 2 * k, c.G)


@pytest.mark.parametrize("name", ["secp256r1", "brainpoolP256r1", "brainpoolP192r1", "secp521r1"])
def test_ecdh_x_agrees_both_ways(name):
    c = ec.CURVES[name]
    rng = _det_rng(b"ecdh" + name.encode())
    a, A = ec.generate_keypair(c, rng)
    b, B = ec.generate_keypair(c, rng)
    x = ec.ecdh_x(c, a, B)
    assert len(x) == c.size
    assert x == ec.ecdh_x(c, b, A) == ec.mul(c, a * b, c.G).x.to_bytes(c.size, "big")


def test_encoding_pads_short_coordinates_to_field_size():
    c = ec.curve_by_name("brainpoolP256r1")
    # find a multiple of G whose x has a leading zero byte
    k = 1
    while True:
        P = ec.mul_base(c, k)
        if P.x < 1 << 248:
            break
        k += 1
    enc = ec.encode_point(c, P)
    assert len(enc) == 65 and enc[1] == 0
    assert ec.decode_point(c, enc) == P


def test_decode_rejects_identity():
    c = ec.curve_by_name("brainpoolP256r1")
    with pytest.raises(InvalidPublicKeyError) as e:
        ec.decode_point(c, b"\x00")
    assert e.value.reason == ec.R_IDENTITY


@pytest.mark.parametrize("delta", [-1, 1, 32])
def test_decode_rejects_wrong_length(delta):
    c = ec.curve_by_name("brainpoolP256r1")
    enc = ec.encode_point(c, c.G)
    bad = enc[:-1] if delta < 0 else enc + b"\x00" * delta
    with pytest.raises(InvalidPublicKeyError) as e:
        ec.decode_point(c, bad)
    assert e.value.reason == ec.R_LENGTH


def test_decode_rejects_compressed_format_byte():
    c = ec.curve_by_name("secp256r1")
    enc = bytearray(ec.encode_point(c, c.G))
    enc[0] = 0x02
    with pytest.raises(InvalidPublicKeyError) as e:
        ec.decode_point(c, bytes(enc))
    assert e.value.reason == ec.R_FORMAT


def test_decode_rejects_coordinate_not_below_p():
    c = ec.curve_by_name("secp256r1")
    # x + p has the same residue, so only the range check can catch it... it does not
    # fit 32 bytes; use y' = y + p where it fits, else x' = x + p
    G = c.G
    L = c.size
    if G.y + c.p < 1 << (8 * L):
        enc = b"\x04" + G.x.to_bytes(L, "big") + (G.y + c.p).to_bytes(L, "big")
    else:
        enc = b"\x04" + (c.p).to_bytes(L, "big") + G.y.to_bytes(L, "big")
    with pytest.raises(InvalidPublicKeyError) as e:
        ec.decode_point(c, enc)
    assert e.value.reason == ec.R_COORDINATE


def test_decode_rejects_coordinate_equal_p_on_brainpool():
    c = ec.curve_by_name("brainpoolP256r1")
    enc = b"\x04" + c.p.to_bytes(32, "big") + c.gy.to_bytes(32, "big")
    with pytest.raises(InvalidPublicKeyError) as e:
        ec.decode_point(c, enc)
    assert e.value.reason == ec.R_COORDINATE


def test_decode_rejects_point_off_curve():
    c = ec.curve_by_name("brainpoolP256r1")
    enc = b"\x04" + c.gx.to_bytes(32, "big") + ((c.gy + 1) % c.p).to_bytes(32, "big")
    with pytest.raises(InvalidPublicKeyError) as e:
        ec.decode_point(c, enc)
    assert e.value.reason == ec.R_NOT_ON_CURVE


def test_decode_rejects_small_order_point_on_cofactor_curve():
    ec.validate_domain(TOY)
    small = ec.Point(467, 0)  # order 2
    assert ec.is_on_curve(TOY, *small) and ec.double(TOY, small) is None
    enc = b"\x04" + (467).to_bytes(2, "big") + (0).to_bytes(2, "big")
    with pytest.raises(InvalidPublicKeyError) as e:
        ec.decode_point(TOY, enc)
    assert e.value.reason == ec.R_SUBGROUP
    # a point of order n passes
    assert ec.decode_point(TOY, ec.encode_point(TOY, TOY.G)) == TOY.G


def test_find_named_curve_requires_every_parameter():
    c = ec.curve_by_name("brainpoolP512r1")
    p, a, b, gx, gy, n, h = c.params
    assert ec.find_named_curve(p, a, b, gx, gy, n, None) is c
    assert ec.find_named_curve(p, a, b, gx, gy, n, 2) is None
    other = ec.mul_base(c, 2)
    assert ec.find_named_curve(p, a, b, other.x, other.y, n, h) is None


def test_validate_domain_rejects_bad_generator_and_composite_order():
    c = ec.curve_by_name("secp256r1")
    with pytest.raises(InvalidPublicKeyError):
        ec.validate_domain(ec.Curve("x", None, c.p, c.a, c.b, c.gx, (c.gy + 1) % c.p, c.n, 1))
    with pytest.raises(InvalidPublicKeyError):
        ec.validate_domain(ec.Curve("x", None, c.p, c.a, c.b, c.gx, c.gy, c.n + 2, 1))


def test_random_scalar_redraws_out_of_range():
    draws = iter([b"\x00", b"\xff", b"\x05"])
    assert ec.random_scalar(251, lambda n: next(draws)) == 5


def test_sqrt_mod_tonelli_shanks():
    p = 2**224 - 2**96 + 1  # P-224 prime, p = 1 mod 4
    for v in (4, 9, 12345678901234567890):
        r = ec.sqrt_mod(v * v, p)
        assert r * r % p == v * v % p


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_OSSL_NAMES = ["secp256r1", "brainpoolP256r1", "secp384r1", "brainpoolP512r1"]


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(_OSSL_NAMES), st.integers(min_value=1), st.integers(min_value=1))
def test_property_mul_and_mul_add_agree_with_openssl(name, a, b):
    c = ec.CURVES[name]
    a, b = a % c.n or 1, b % c.n or 1
    P = ec.mul_base(c, a)
    assert ec.mul(c, a, c.G) == P
    Q = ec.mul(c, b, P)  # ab*G
    assert Q == ec.mul_base(c, a * b % c.n)
    assert ec.mul_add(c, a, c.G, b, P) == ec.mul_base(c, (a + a * b) % c.n)
    # ECDH through OpenSSL equals the own x-coordinate
    assert ec.ecdh_x(c, b, P) == Q.x.to_bytes(c.size, "big")


@settings(max_examples=60, deadline=None)
@given(st.binary(min_size=0, max_size=140))
def test_property_decode_point_never_raises_anything_else(data):
    c = ec.curve_by_name("brainpoolP256r1")
    try:
        P = ec.decode_point(c, data)
    except InvalidPublicKeyError:
        return
    assert ec.is_on_curve(c, P.x, P.y) and ec.encode_point(c, P) == data
